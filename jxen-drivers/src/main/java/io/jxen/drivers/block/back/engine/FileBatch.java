package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockRanges;
import io.jxen.drivers.block.ReadOnlyDeviceException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link FileEngine}'s {@link IoBatch}: the iovecs of every transfer are written once into
 * native memory of the batch, then the whole batch goes to the kernel in one
 * {@code io_uring_enter} ({@link IoUring}, set up on the first run by the thread that runs it,
 * which stays its only submitter), or, when io_uring is off ({@code -Djxen.ioUring=never}),
 * refused by the kernel, or the batch is run by another thread, one {@code preadv}/
 * {@code pwritev} per transfer. A short transfer (signal, a file that shrank) is finished with
 * {@link LinuxFiles#transfer}; what a read finds past the end of a shrunk file reads as zeroes,
 * as {@link FileEngine#readScattered} does. Range and read-only checks are made per transfer at
 * {@link #end()}: a refused transfer fails alone and reaches no system call.
 */
final class FileBatch implements IoBatch {

    private static final Logger LOG = Logger.getLogger(FileBatch.class.getName());
    private static final long IOVEC_BYTES = 16; // struct iovec { void *iov_base; size_t iov_len; } on LP64

    private final FileEngine engine;
    private final int maxTransfers;
    private final int maxSegments;
    private final boolean[] write;
    private final long[] offset;
    private final long[] length;
    private final int[] firstSegment;
    private final long[] result;
    private final IOException[] failures;
    /** A transfer with a part outside native memory: run through the engine's own methods. */
    private final boolean[] heap;
    private final MemorySegment[] pages;
    private final long[] pageOffsets;
    private final long[] segmentBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs;
    private final IoUring.Completion sink;
    private int transfers;
    private int segments;
    private boolean open;
    private IoUring uring;
    private Thread owner;
    private boolean uringRefused;
    private long uringRuns;
    private boolean closed;

    FileBatch(FileEngine engine, int maxTransfers, int maxSegments) {
        this(engine, maxTransfers, maxSegments, IoUring.enabled());
    }

    /** @param tryUring whether to set up io_uring at all (false: preadv/pwritev only) */
    FileBatch(FileEngine engine, int maxTransfers, int maxSegments, boolean tryUring) {
        if (maxTransfers < 1 || maxSegments < 1 || maxTransfers > 4096) {
            throw new IllegalArgumentException("batch of " + maxTransfers + " transfers, " + maxSegments + " segments");
        }
        this.engine = engine;
        this.maxTransfers = maxTransfers;
        this.maxSegments = maxSegments;
        this.write = new boolean[maxTransfers];
        this.offset = new long[maxTransfers];
        this.length = new long[maxTransfers];
        this.firstSegment = new int[maxTransfers + 1];
        this.result = new long[maxTransfers];
        this.failures = new IOException[maxTransfers];
        this.heap = new boolean[maxTransfers];
        this.pages = new MemorySegment[maxSegments];
        this.pageOffsets = new long[maxSegments];
        this.segmentBytes = new long[maxSegments];
        this.iovecs = arena.allocate(IOVEC_BYTES * maxSegments, 8);
        this.uringRefused = !tryUring;
        long[] results = this.result;
        this.sink = (userData, res) -> results[(int) userData] = res;
    }

    @Override
    public int maxTransfers() {
        return maxTransfers;
    }

    @Override
    public int maxSegments() {
        return maxSegments;
    }

    @Override
    public int transfers() {
        return transfers;
    }

    @Override
    public int segments() {
        return segments;
    }

    /** Runs that went through io_uring (for tests and the A/B of {@code -Djxen.ioUring}). */
    long uringRuns() {
        return uringRuns;
    }

    @Override
    public void begin(boolean isWrite, long offsetBytes) {
        if (open || transfers == maxTransfers) {
            throw new IllegalStateException(open ? "a transfer is begun" : "batch full");
        }
        open = true;
        write[transfers] = isWrite;
        offset[transfers] = offsetBytes;
        length[transfers] = 0;
        heap[transfers] = false;
        firstSegment[transfers] = segments;
    }

    @Override
    public void segment(MemorySegment page, long pageOffset, long bytes) {
        if (!open || segments == maxSegments) {
            throw new IllegalStateException(open ? "batch full" : "no transfer begun");
        }
        if (pageOffset < 0 || bytes < 0 || pageOffset > page.byteSize() - bytes) {
            throw new IndexOutOfBoundsException("segment " + pageOffset + "+" + bytes + " of " + page.byteSize());
        }
        pages[segments] = page;
        pageOffsets[segments] = pageOffset;
        segmentBytes[segments] = bytes;
        if (page.isNative()) {
            long at = segments * IOVEC_BYTES;
            iovecs.set(ValueLayout.JAVA_LONG, at, page.address() + pageOffset);
            iovecs.set(ValueLayout.JAVA_LONG, at + 8, bytes);
        } else {
            heap[transfers] = true;
        }
        length[transfers] += bytes;
        segments++;
    }

    @Override
    public int end() {
        if (!open) {
            throw new IllegalStateException("no transfer begun");
        }
        open = false;
        int i = transfers++;
        firstSegment[i + 1] = segments;
        failures[i] = null;
        result[i] = 0;
        try {
            if (write[i] && engine.readOnly()) {
                throw new ReadOnlyDeviceException("write");
            }
            BlockRanges.checkRange(offset[i], length[i], engine.sizeBytes());
        } catch (IOException e) {
            failures[i] = e;
        }
        return i;
    }

    @Override
    public void run() {
        if (open) {
            throw new IllegalStateException("a transfer is begun");
        }
        if (transfers == 0) {
            return;
        }
        if (closed || !engine.enterNative()) {
            for (int i = 0; i < transfers; i++) {
                if (failures[i] == null) {
                    failures[i] = new IOException(closed ? "batch closed" : "engine closed");
                }
            }
            return;
        }
        try {
            boolean submitted = false;
            IoUring ring = ringForThisThread();
            if (ring != null) {
                submitted = submitAll(ring);
            }
            for (int i = 0; i < transfers; i++) {
                if (failures[i] != null || heap[i]) {
                    continue;
                }
                if (!submitted) {
                    result[i] = LinuxFiles.vectoredOnce(engine.nativeFd(), write[i], iovecs.asSlice(
                            firstSegment[i] * IOVEC_BYTES), firstSegment[i + 1] - firstSegment[i], offset[i]);
                }
                finish(i);
            }
        } finally {
            engine.exitNative();
        }
        for (int i = 0; i < transfers; i++) {
            if (failures[i] == null && heap[i]) {
                runThroughEngine(i);
            }
        }
    }

    /** The ring of the thread running the batch, set up on first use; null to use preadv/pwritev. */
    private IoUring ringForThisThread() {
        if (uringRefused) {
            return null;
        }
        Thread me = Thread.currentThread();
        if (uring == null) {
            try {
                int entries = Integer.highestOneBit(maxTransfers);
                uring = new IoUring(entries == maxTransfers ? entries : entries << 1);
                owner = me;
            } catch (IOException | RuntimeException | LinkageError e) {
                uringRefused = true;
                LOG.log(Level.FINE, () -> "io_uring unavailable, using preadv/pwritev: " + e);
                return null;
            }
        }
        return owner == me ? uring : null; // SINGLE_ISSUER: only the thread that set it up submits
    }

    /** Queues every runnable transfer and waits for all; false (nothing submitted) when the ring failed. */
    private boolean submitAll(IoUring ring) {
        int queued = 0;
        for (int i = 0; i < transfers; i++) {
            if (failures[i] == null && !heap[i]) {
                ring.queueVectored(write[i], engine.nativeFd(), iovecs.address() + firstSegment[i] * IOVEC_BYTES,
                        firstSegment[i + 1] - firstSegment[i], offset[i], i);
                queued++;
            }
        }
        if (queued == 0) {
            return true;
        }
        try {
            ring.submitAndWait(queued, sink);
            uringRuns++;
            return true;
        } catch (IOException e) {
            // The kernel refused the call itself: give the ring up and run the batch by preadv/pwritev
            // (reads and writes of the same bytes to the same place are idempotent).
            LOG.log(Level.WARNING, "io_uring_enter failed, falling back to preadv/pwritev: " + e.getMessage());
            uringRefused = true;
            uring.close();
            uring = null;
            return false;
        }
    }

    /** Turns transfer {@code i}'s first result into its outcome, finishing a short or interrupted one. */
    private void finish(int i) {
        long moved = result[i];
        if (moved == length[i]) {
            return;
        }
        if (moved < 0) {
            int errno = (int) -moved;
            if (errno != LinuxFiles.EINTR && errno != IoUring.EAGAIN) {
                failures[i] = new LinuxFiles.NativeException(write[i] ? "pwritev" : "preadv", errno);
                return;
            }
            moved = 0;
        }
        // The rest, by the looping call (short transfers, EINTR); a read may meet the end of a shrunk file.
        List<MemorySegment> rest = new ArrayList<>();
        long skip = moved;
        for (int s = firstSegment[i]; s < firstSegment[i + 1]; s++) {
            long n = segmentBytes[s];
            if (skip >= n) {
                skip -= n;
                continue;
            }
            rest.add(pages[s].asSlice(pageOffsets[s] + skip, n - skip));
            skip = 0;
        }
        try {
            long more = LinuxFiles.transfer(engine.nativeFd(), write[i], offset[i] + moved, rest);
            if (!write[i] && moved + more < length[i]) {
                zeroFrom(rest, more);
            }
        } catch (IOException e) {
            failures[i] = e;
        }
    }

    private static void zeroFrom(List<MemorySegment> parts, long from) {
        long at = 0;
        for (MemorySegment part : parts) {
            long end = at + part.byteSize();
            if (end > from) {
                part.asSlice(Math.max(0, from - at)).fill((byte) 0);
            }
            at = end;
        }
    }

    private void runThroughEngine(int i) {
        List<MemorySegment> parts = new ArrayList<>();
        for (int s = firstSegment[i]; s < firstSegment[i + 1]; s++) {
            parts.add(pages[s].asSlice(pageOffsets[s], segmentBytes[s]));
        }
        try {
            if (write[i]) {
                engine.writeGathered(offset[i], parts, false);
            } else {
                engine.readScattered(offset[i], parts);
            }
        } catch (IOException e) {
            failures[i] = e;
        }
    }

    @Override
    public IOException failure(int index) {
        if (index < 0 || index >= transfers) {
            throw new IndexOutOfBoundsException(index);
        }
        return failures[index];
    }

    @Override
    public void clear() {
        for (int s = 0; s < segments; s++) {
            pages[s] = null; // no hold on mappings past the batch
        }
        transfers = 0;
        segments = 0;
        open = false;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clear();
        if (uring != null) {
            uring.close();
            uring = null;
        }
        uringRefused = true;
        arena.close();
    }
}
