package io.jxen.drivers.block.back.engine;

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
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The few Linux calls Java's file API lacks, through FFM downcalls into libc: {@code open},
 * {@code close}, {@code fallocate} (punch hole, zero range), {@code lseek} ({@code SEEK_DATA},
 * {@code SEEK_HOLE}, {@code SEEK_END} for a device's size) and the block-device
 * {@code ioctl}s. Each call returns a result or throws {@link NativeException} carrying
 * {@code errno}; {@link #available()} is false off Linux, and callers then fall back to
 * pure Java. Constants are from the Linux UAPI headers named beside each.
 */
@SuppressWarnings("restricted") // the downcalls are the point of this class; jxen runs with native access
final class LinuxFiles {

    /** {@code <fcntl.h>}. */
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    /** {@code <linux/falloc.h>}. */
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** {@code <unistd.h>} whence values ({@code SEEK_DATA}/{@code SEEK_HOLE} since Linux 3.1). */
    static final int SEEK_END = 2;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    /** {@code <linux/fs.h>}: {@code _IOR(0x12,114,size_t)}, {@code _IO(0x12,119)}, {@code _IO(0x12,127)}. */
    static final long BLKGETSIZE64 = 0x80081272L;
    static final long BLKDISCARD = 0x1277L;
    static final long BLKZEROOUT = 0x127fL;
    /** {@code <linux/fs.h>}: {@code _IO(0x12,104)}, {@code _IO(0x12,123)}. */
    static final long BLKSSZGET = 0x1268L;
    static final long BLKPBSZGET = 0x127bL;
    /** {@code <asm-generic/errno-base.h>}, {@code <asm-generic/errno.h>}. */
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;

    /** A libc call failed; {@link #errno()} says why. */
    static final class NativeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        NativeException(String call, int errno) {
            super(call + " failed: errno " + errno);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }

        /** The file system or device does not implement the call. */
        boolean unsupported() {
            return errno == EOPNOTSUPP || errno == ENOSYS || errno == ENOTTY || errno == EINVAL;
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle LSEEK;
    private static final MethodHandle IOCTL;
    private static final MethodHandle PREADV;
    private static final MethodHandle PWRITEV;
    private static final MethodHandle FSYNC;
    private static final MethodHandle FDATASYNC;
    /** {@code <limits.h>} {@code IOV_MAX} on Linux: iovecs per {@code preadv}/{@code pwritev}. */
    static final int IOV_MAX = 1024;
    private static final long IOVEC_BYTES = 16; // struct iovec { void *iov_base; size_t iov_len; } on LP64

    static {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        SymbolLookup libc = LINKER.defaultLookup();
        OPEN = linux ? find(libc, "open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2)) : null;
        CLOSE = linux ? find(libc, "close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)) : null;
        FALLOCATE = linux ? find(libc, "fallocate", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG)) : null;
        LSEEK = linux ? find(libc, "lseek", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)) : null;
        IOCTL = linux ? find(libc, "ioctl", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2)) : null;
        FunctionDescriptor vectored = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG);
        PREADV = linux ? find(libc, "preadv", vectored) : null;
        PWRITEV = linux ? find(libc, "pwritev", vectored) : null;
        FunctionDescriptor sync = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
        FSYNC = linux ? find(libc, "fsync", sync) : null;
        FDATASYNC = linux ? find(libc, "fdatasync", sync) : null;
    }

    /** Per thread: the errno capture and an iovec array, reused by every vectored call of the thread. */
    private static final ThreadLocal<MemorySegment[]> VECTOR_SCRATCH = ThreadLocal.withInitial(() -> {
        Arena arena = Arena.ofAuto();
        return new MemorySegment[] {arena.allocate(CAPTURE), arena.allocate(IOVEC_BYTES * IOV_MAX, 8)};
    });

    /** Whether {@link #transfer} is usable. */
    static boolean vectoredAvailable() {
        return PREADV != null && PWRITEV != null;
    }

    /**
     * {@code preadv} or {@code pwritev} of {@code parts} (native memory, consecutive in the file
     * from {@code offset}), repeated on short transfers and {@code EINTR}, at most
     * {@link #IOV_MAX} parts per call. The caller keeps the parts' memory mapped for the call.
     *
     * @return bytes moved: all of them, or fewer for a read that met the end of the file
     */
    static long transfer(int fd, boolean write, long offset, java.util.List<MemorySegment> parts) throws IOException {
        MemorySegment[] scratch = VECTOR_SCRATCH.get();
        MemorySegment state = scratch[0];
        MemorySegment iov = scratch[1];
        int first = 0;
        long skip = 0; // bytes of parts[first] already moved
        long done = 0;
        while (first < parts.size()) {
            int n = 0;
            for (int j = first; j < parts.size() && n < IOV_MAX; j++, n++) {
                MemorySegment part = parts.get(j);
                long from = j == first ? skip : 0;
                iov.set(ValueLayout.JAVA_LONG, n * IOVEC_BYTES, part.address() + from);
                iov.set(ValueLayout.JAVA_LONG, n * IOVEC_BYTES + 8, part.byteSize() - from);
            }
            long moved;
            try {
                moved = write ? (long) PWRITEV.invokeExact(state, fd, iov, n, offset + done)
                        : (long) PREADV.invokeExact(state, fd, iov, n, offset + done);
            } catch (Error | RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(t);
            }
            if (moved < 0) {
                int errno = errno(state);
                if (errno == EINTR) {
                    continue;
                }
                throw new NativeException(write ? "pwritev" : "preadv", errno);
            }
            if (moved == 0) {
                if (write) {
                    throw new IOException("pwritev wrote nothing at " + (offset + done));
                }
                return done; // end of file
            }
            done += moved;
            for (long left = moved; left > 0; ) {
                long rest = parts.get(first).byteSize() - skip;
                if (left >= rest) {
                    left -= rest;
                    first++;
                    skip = 0;
                } else {
                    skip += left;
                    left = 0;
                }
            }
            while (first < parts.size() && parts.get(first).byteSize() == 0) {
                first++;
            }
        }
        return done;
    }

    /**
     * One {@code preadv} or {@code pwritev} of the {@code n} {@code struct iovec}s in {@code iov}
     * (native memory the caller filled) at {@code offset}: the bytes moved, or {@code -errno}.
     */
    static long vectoredOnce(int fd, boolean write, MemorySegment iov, int n, long offset) {
        MemorySegment state = VECTOR_SCRATCH.get()[0];
        long moved;
        try {
            moved = write ? (long) PWRITEV.invokeExact(state, fd, iov, n, offset)
                    : (long) PREADV.invokeExact(state, fd, iov, n, offset);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return moved < 0 ? -errno(state) : moved;
    }

    private LinuxFiles() {
    }

    private static MethodHandle find(SymbolLookup libc, String name, FunctionDescriptor descriptor,
                                     Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = CAPTURE_ERRNO;
        Optional<MemorySegment> symbol = libc.find(name);
        return symbol.map(s -> LINKER.downcallHandle(s, descriptor, all)).orElse(null);
    }

    /** True when every call here is usable (Linux with the symbols found). */
    static boolean available() {
        return OPEN != null && CLOSE != null && FALLOCATE != null && LSEEK != null && IOCTL != null;
    }

    /** {@code open(path, flags | O_CLOEXEC)}; returns the descriptor. */
    static int open(Path path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment name = arena.allocateFrom(path.toString());
            int fd = (int) invoke(OPEN, state, name, flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new NativeException("open(" + path + ")", errno(state));
            }
            return fd;
        }
    }

    /** {@code close(fd)}. */
    static void close(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            if ((int) invoke(CLOSE, state, fd) < 0) {
                throw new NativeException("close", errno(state));
            }
        }
    }

    /** Whether {@link #sync} is usable. */
    static boolean syncAvailable() {
        return FSYNC != null && FDATASYNC != null;
    }

    /**
     * {@code fsync(fd)}, or {@code fdatasync(fd)} when {@code metadata} is false (what
     * {@code FileChannel.force(metadata)} does, without the channel's closing itself when the
     * calling thread is interrupted), retried on {@code EINTR}.
     */
    static void sync(int fd, boolean metadata) throws IOException {
        MemorySegment state = VECTOR_SCRATCH.get()[0];
        while (true) {
            if ((int) invoke(metadata ? FSYNC : FDATASYNC, state, fd) == 0) {
                return;
            }
            int errno = errno(state);
            if (errno != EINTR) {
                throw new NativeException(metadata ? "fsync" : "fdatasync", errno);
            }
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}, retried on {@code EINTR}. */
    static void fallocate(int fd, int mode, long offset, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            while (true) {
                if ((int) invoke(FALLOCATE, state, fd, mode, offset, length) == 0) {
                    return;
                }
                int errno = errno(state);
                if (errno != EINTR) {
                    throw new NativeException("fallocate(mode=" + mode + ")", errno);
                }
            }
        }
    }

    /** {@code lseek(fd, offset, whence)}; returns the resulting offset. */
    static long lseek(int fd, long offset, int whence) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long result = (long) invoke(LSEEK, state, fd, offset, whence);
            if (result < 0) {
                throw new NativeException("lseek(whence=" + whence + ")", errno(state));
            }
            return result;
        }
    }

    /** {@code ioctl(fd, request, &u64[2]{a, b})} for {@code BLKDISCARD} and {@code BLKZEROOUT}. */
    static void ioctlRange(int fd, long request, long offset, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment range = arena.allocate(ValueLayout.JAVA_LONG, 2);
            range.setAtIndex(ValueLayout.JAVA_LONG, 0, offset);
            range.setAtIndex(ValueLayout.JAVA_LONG, 1, length);
            if ((int) invoke(IOCTL, state, fd, request, range) < 0) {
                throw new NativeException("ioctl(" + Long.toHexString(request) + ")", errno(state));
            }
        }
    }

    /** {@code ioctl(fd, request, &u64)} ({@code BLKGETSIZE64}). */
    static long ioctlGetLong(int fd, long request) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            if ((int) invoke(IOCTL, state, fd, request, value) < 0) {
                throw new NativeException("ioctl(" + Long.toHexString(request) + ")", errno(state));
            }
            return value.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** {@code ioctl(fd, request, &int)} ({@code BLKSSZGET}, {@code BLKPBSZGET}). */
    static int ioctlGetInt(int fd, long request) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            if ((int) invoke(IOCTL, state, fd, request, value) < 0) {
                throw new NativeException("ioctl(" + Long.toHexString(request) + ")", errno(state));
            }
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static Object invoke(MethodHandle handle, Object... args) throws IOException {
        if (handle == null) {
            throw new NativeException("native call unavailable", ENOSYS);
        }
        try {
            return handle.invokeWithArguments(args);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
