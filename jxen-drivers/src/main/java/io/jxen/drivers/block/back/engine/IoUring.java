package io.jxen.drivers.block.back.engine;

import io.jxen.abi.OrderedAccess;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * One Linux {@code io_uring} instance (Linux 5.1+), driven through FFM downcalls into libc's
 * {@code syscall} (the raw {@code io_uring_setup}/{@code io_uring_enter} system calls; no
 * liburing) and {@code mmap}: the submission and completion rings and the SQE array are mapped
 * into this process and written and read in place. Used by {@link UringBatch}: a batch of
 * vectored reads and writes goes in with one {@code io_uring_enter}, which also waits for all
 * of them; a read that hits the page cache completes inline during that call, so a batch of
 * cached 4 KiB reads costs one system call instead of one {@code preadv} each.
 *
 * <p>Not thread-safe: one thread submits (a blkback runner). The ring is set up with
 * {@code IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN} (Linux 6.1+: completion work
 * runs only when the submitter waits, never as an interrupting task_work), else with no flags.
 * Layouts and constants are from {@code <linux/io_uring.h>} (Linux UAPI), named beside each.
 */
@SuppressWarnings("restricted") // the downcalls are the point of this class; jxen runs with native access
final class IoUring implements AutoCloseable {

    /** x86_64 {@code __NR_io_uring_setup}, {@code __NR_io_uring_enter} ({@code <asm/unistd_64.h>}). */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;

    /** {@code enum io_uring_op}. */
    static final byte IORING_OP_READV = 1;
    static final byte IORING_OP_WRITEV = 2;
    /** {@code IORING_ENTER_GETEVENTS}: wait for {@code min_complete} completions. */
    static final long IORING_ENTER_GETEVENTS = 1;
    /** {@code IORING_SETUP_SINGLE_ISSUER} (6.0), {@code IORING_SETUP_DEFER_TASKRUN} (6.1). */
    static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** {@code IORING_FEAT_SINGLE_MMAP}: SQ and CQ rings share one mapping. */
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** mmap offsets {@code IORING_OFF_SQ_RING}, {@code IORING_OFF_CQ_RING}, {@code IORING_OFF_SQES}. */
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;

    /** {@code struct io_uring_params}: 120 bytes; {@code sq_off} at 40, {@code cq_off} at 80. */
    static final int PARAMS_BYTES = 120;
    static final int PARAMS_SQ_ENTRIES = 0;
    static final int PARAMS_CQ_ENTRIES = 4;
    static final int PARAMS_FLAGS = 8;
    static final int PARAMS_FEATURES = 20;
    static final int PARAMS_SQ_OFF = 40;
    static final int PARAMS_CQ_OFF = 80;
    /** {@code struct io_sqring_offsets} / {@code io_cqring_offsets} fields. */
    static final int OFF_HEAD = 0;
    static final int OFF_TAIL = 4;
    static final int OFF_RING_MASK = 8;
    static final int OFF_SQ_ARRAY = 24;
    static final int OFF_CQ_CQES = 20;
    /** {@code struct io_uring_sqe}: 64 bytes. */
    static final int SQE_BYTES = 64;
    static final int SQE_OPCODE = 0;
    static final int SQE_FD = 4;
    static final int SQE_OFF = 8;
    static final int SQE_ADDR = 16;
    static final int SQE_LEN = 24;
    static final int SQE_USER_DATA = 32;
    /** {@code struct io_uring_cqe}: 16 bytes. */
    static final int CQE_BYTES = 16;
    static final int CQE_USER_DATA = 0;
    static final int CQE_RES = 8;

    /** {@code <sys/mman.h>}. */
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    /** {@code <asm-generic/errno-base.h>}. */
    static final int EINTR = 4;
    static final int EBUSY = 16;
    static final int EAGAIN = 11;

    /** The property that turns io_uring off ({@code -Djxen.ioUring=never}), for A/B runs and broken kernels. */
    static final String PROPERTY = "jxen.ioUring";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETUP;
    private static final MethodHandle ENTER;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle CLOSE;

    static {
        boolean linuxAmd64 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                && "amd64".equals(System.getProperty("os.arch")); // the syscall numbers above are x86_64's
        SymbolLookup libc = LINKER.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        // long syscall(long number, ...): every variadic argument passed as a long (what glibc reads).
        SETUP = linuxAmd64 ? find(libc, "syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(1), errno) : null;
        ENTER = linuxAmd64 ? find(libc, "syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(1), errno) : null;
        MMAP = linuxAmd64 ? find(libc, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG), errno) : null;
        MUNMAP = linuxAmd64 ? find(libc, "munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG)) : null;
        CLOSE = linuxAmd64 ? find(libc, "close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)) : null;
    }

    private static MethodHandle find(SymbolLookup libc, String name, FunctionDescriptor descriptor,
                                     Linker.Option... options) {
        Optional<MemorySegment> symbol = libc.find(name);
        return symbol.map(s -> LINKER.downcallHandle(s, descriptor, options)).orElse(null);
    }

    /**
     * Whether io_uring may be tried: x86_64 Linux with the libc symbols, not turned off by
     * {@code -Djxen.ioUring=never}, and not disabled system-wide by
     * {@code /proc/sys/kernel/io_uring_disabled} (Linux 6.6+: 2 disables it for everyone, 1 for
     * processes outside {@code io_uring_group}; setup then fails and the caller falls back).
     */
    static boolean enabled() {
        if ("never".equals(System.getProperty(PROPERTY, "auto"))) {
            return false;
        }
        if (SETUP == null || ENTER == null || MMAP == null || MUNMAP == null || CLOSE == null) {
            return false;
        }
        try {
            String disabled = Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).strip();
            return !"2".equals(disabled);
        } catch (IOException | RuntimeException e) {
            return true; // no such knob (older kernels): setup says whether it works
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(CAPTURE);
    private final int fd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqRingBytes;
    private final long cqRingBytes;
    private final long sqesBytes;
    private final int entries;
    private final int sqMask;
    private final int cqMask;
    private final long sqHeadOff;
    private final long sqTailOff;
    private final long cqHeadOff;
    private final long cqTailOff;
    private final long cqesOff;
    /** SQ tail and CQ head as this (only) user last wrote them. */
    private int sqTail;
    private int cqHead;
    private boolean closed;

    /**
     * Sets up a ring of at least {@code entries} submission slots (a power of two, at most 4096).
     *
     * @throws IOException when the kernel refuses ({@code ENOSYS}, {@code EPERM} when disabled, ...)
     */
    IoUring(int entries) throws IOException {
        if (Integer.bitCount(entries) != 1 || entries > 4096) {
            throw new IllegalArgumentException("io_uring entries " + entries);
        }
        MemorySegment params = arena.allocate(PARAMS_BYTES, 8);
        int ringFd = setup(entries, params, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
        if (ringFd < 0) {
            params.fill((byte) 0);
            ringFd = setup(entries, params, 0); // kernels before 6.1
        }
        if (ringFd < 0) {
            int errno = errno();
            arena.close();
            throw new IOException("io_uring_setup failed: errno " + errno);
        }
        this.fd = ringFd;
        try {
            int sqEntries = params.get(ValueLayout.JAVA_INT, PARAMS_SQ_ENTRIES);
            int cqEntries = params.get(ValueLayout.JAVA_INT, PARAMS_CQ_ENTRIES);
            int features = params.get(ValueLayout.JAVA_INT, PARAMS_FEATURES);
            long sqArray = params.get(ValueLayout.JAVA_INT, PARAMS_SQ_OFF + OFF_SQ_ARRAY) & 0xffffffffL;
            long cqes = params.get(ValueLayout.JAVA_INT, PARAMS_CQ_OFF + OFF_CQ_CQES) & 0xffffffffL;
            long sqBytes = sqArray + (long) sqEntries * Integer.BYTES;
            long cqBytes = cqes + (long) cqEntries * CQE_BYTES;
            boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
            if (single) {
                sqBytes = Math.max(sqBytes, cqBytes);
                cqBytes = sqBytes;
            }
            this.sqRingBytes = sqBytes;
            this.cqRingBytes = single ? 0 : cqBytes;
            this.sqRing = map(sqBytes, IORING_OFF_SQ_RING);
            this.cqRing = single ? sqRing : map(cqBytes, IORING_OFF_CQ_RING);
            this.sqesBytes = (long) sqEntries * SQE_BYTES;
            this.sqes = map(sqesBytes, IORING_OFF_SQES);
            this.entries = sqEntries;
            this.sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, PARAMS_SQ_OFF + OFF_RING_MASK));
            this.cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, PARAMS_CQ_OFF + OFF_RING_MASK));
            this.sqHeadOff = params.get(ValueLayout.JAVA_INT, PARAMS_SQ_OFF + OFF_HEAD);
            this.sqTailOff = params.get(ValueLayout.JAVA_INT, PARAMS_SQ_OFF + OFF_TAIL);
            this.cqHeadOff = params.get(ValueLayout.JAVA_INT, PARAMS_CQ_OFF + OFF_HEAD);
            this.cqTailOff = params.get(ValueLayout.JAVA_INT, PARAMS_CQ_OFF + OFF_TAIL);
            this.cqesOff = cqes;
            // The SQ index array maps slot i to SQE i once and for all (SQEs are filled in ring order).
            for (int i = 0; i < sqEntries; i++) {
                sqRing.set(ValueLayout.JAVA_INT, sqArray + (long) i * Integer.BYTES, i);
            }
            this.sqTail = OrderedAccess.getIntAcquire(sqRing, sqTailOff);
            this.cqHead = OrderedAccess.getIntAcquire(cqRing, cqHeadOff);
        } catch (IOException | RuntimeException e) {
            closeFd(ringFd);
            arena.close();
            throw e;
        }
    }

    private int setup(int entries, MemorySegment params, int flags) throws IOException {
        params.set(ValueLayout.JAVA_INT, PARAMS_FLAGS, flags);
        try {
            return (int) (long) SETUP.invokeExact(state, SYS_IO_URING_SETUP, (long) entries, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private MemorySegment map(long bytes, long offset) throws IOException {
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, bytes, PROT_READ_WRITE,
                    MAP_SHARED_POPULATE, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (at.address() == -1L) {
            throw new IOException("mmap of io_uring ring (offset " + Long.toHexString(offset) + ") failed: errno "
                    + errno());
        }
        return at.reinterpret(bytes);
    }

    /** Submission slots. */
    int entries() {
        return entries;
    }

    /**
     * Fills the next SQE with a vectored read or write of {@code iovecs} {@code struct iovec}s at
     * {@code iovAddress}; the caller keeps those and the buffers they name valid until its
     * completion is reaped. At most {@link #entries()} may be queued before {@link #submitAndWait}.
     */
    void queueVectored(boolean write, int fileFd, long iovAddress, int iovecs, long offset, long userData) {
        long at = (long) (sqTail & sqMask) * SQE_BYTES;
        sqes.asSlice(at, SQE_BYTES).fill((byte) 0);
        sqes.set(ValueLayout.JAVA_BYTE, at + SQE_OPCODE, write ? IORING_OP_WRITEV : IORING_OP_READV);
        sqes.set(ValueLayout.JAVA_INT, at + SQE_FD, fileFd);
        sqes.set(ValueLayout.JAVA_LONG, at + SQE_OFF, offset);
        sqes.set(ValueLayout.JAVA_LONG, at + SQE_ADDR, iovAddress);
        sqes.set(ValueLayout.JAVA_INT, at + SQE_LEN, iovecs);
        sqes.set(ValueLayout.JAVA_LONG, at + SQE_USER_DATA, userData);
        sqTail++;
    }

    /** What {@link #submitAndWait} hands each completion to. */
    interface Completion {
        void completed(long userData, int result);
    }

    /**
     * Publishes the queued SQEs and waits until {@code count} completions (this batch's) have
     * been handed to {@code sink}, with as few {@code io_uring_enter} calls as the kernel allows
     * (one when every operation completes inline or before the wait ends).
     *
     * @throws IOException when {@code io_uring_enter} fails for another reason than EINTR/EAGAIN/EBUSY
     */
    void submitAndWait(int count, Completion sink) throws IOException {
        OrderedAccess.setIntRelease(sqRing, sqTailOff, sqTail); // the SQEs are visible before the tail
        int reaped = 0;
        while (true) {
            reaped += reap(sink);
            if (reaped >= count) {
                return;
            }
            int unsubmitted = sqTail - OrderedAccess.getIntAcquire(sqRing, sqHeadOff);
            long rc;
            try {
                rc = (long) ENTER.invokeExact(state, SYS_IO_URING_ENTER, (long) fd, (long) unsubmitted,
                        (long) (count - reaped), IORING_ENTER_GETEVENTS, 0L, 0L);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (rc < 0) {
                int errno = errno();
                if (errno != EINTR && errno != EAGAIN && errno != EBUSY) {
                    throw new IOException("io_uring_enter failed: errno " + errno);
                }
                // EAGAIN/EBUSY: the completion queue is full or the kernel is short; what is
                // there is reaped above, then the call is made again.
            }
        }
    }

    /** Hands every posted completion to {@code sink}; returns how many. */
    private int reap(Completion sink) {
        int tail = OrderedAccess.getIntAcquire(cqRing, cqTailOff); // CQE contents are visible after the tail
        int n = 0;
        while (cqHead != tail) {
            long at = cqesOff + (long) (cqHead & cqMask) * CQE_BYTES;
            sink.completed(cqRing.get(ValueLayout.JAVA_LONG, at + CQE_USER_DATA),
                    cqRing.get(ValueLayout.JAVA_INT, at + CQE_RES));
            cqHead++;
            n++;
        }
        if (n > 0) {
            OrderedAccess.setIntRelease(cqRing, cqHeadOff, cqHead); // the slots are free again
        }
        return n;
    }

    private int errno() {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IOException(t);
    }

    private static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing more to do: the descriptor is gone either way
        }
    }

    /** Unmaps the rings and closes the descriptor (the kernel cancels nothing: callers wait for every completion first). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int a = (int) MUNMAP.invokeExact(sqes, sqesBytes);
            int b = (int) MUNMAP.invokeExact(sqRing, sqRingBytes);
            if (cqRingBytes > 0) {
                int c = (int) MUNMAP.invokeExact(cqRing, cqRingBytes);
            }
        } catch (Throwable t) {
            // unmapping a mapping we made cannot fail in a way we could act on
        }
        closeFd(fd);
        arena.close();
    }
}
