package io.jxen.drivers.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A sparse disk in the Java heap: storage is allocated in 4 KiB chunks on first write and
 * released by a discard or a hole-punching write of zeroes that covers whole chunks. For
 * tests and for guests that need a scratch disk; {@link #flush()} has nothing to do.
 */
public final class MemoryBlockDevice implements BlockDevice {

    /** Allocation granularity in bytes. */
    public static final int CHUNK_BYTES = 4096;

    private final long sizeBytes;
    private final boolean readOnly;
    private final byte[][] chunks;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /**
     * An all-zero disk.
     *
     * @param sizeBytes at most 2^31 chunks
     */
    public MemoryBlockDevice(long sizeBytes, boolean readOnly) {
        long count = (sizeBytes + CHUNK_BYTES - 1) / CHUNK_BYTES;
        if (sizeBytes < 0 || count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("size " + sizeBytes);
        }
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.chunks = new byte[(int) count][];
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** Memory: nothing an interrupt can close. */
    @Override
    public boolean interruptSafe() {
        return true;
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return EnumSet.allOf(BlockCapability.class);
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        ensureOpen();
        BlockRanges.checkRange(offsetBytes, dst.remaining(), sizeBytes);
        lock.readLock().lock();
        try {
            long at = offsetBytes;
            while (dst.hasRemaining()) {
                int index = (int) (at / CHUNK_BYTES);
                int within = (int) (at % CHUNK_BYTES);
                int n = Math.min(CHUNK_BYTES - within, dst.remaining());
                byte[] chunk = chunks[index];
                if (chunk == null) {
                    for (int i = 0; i < n; i++) {
                        dst.put((byte) 0);
                    }
                } else {
                    dst.put(chunk, within, n);
                }
                at += n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        ensureOpen();
        BlockRanges.checkWritable("write", readOnly, offsetBytes, src.remaining(), sizeBytes);
        lock.writeLock().lock();
        try {
            long at = offsetBytes;
            while (src.hasRemaining()) {
                int index = (int) (at / CHUNK_BYTES);
                int within = (int) (at % CHUNK_BYTES);
                int n = Math.min(CHUNK_BYTES - within, src.remaining());
                if (chunks[index] == null) {
                    chunks[index] = new byte[CHUNK_BYTES];
                }
                src.get(chunks[index], within, n);
                at += n;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (readOnly) {
            throw new ReadOnlyDeviceException("flush");
        }
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        zero("discard", offsetBytes, lengthBytes, true);
    }

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        zero("write zeroes", offsetBytes, lengthBytes, mayPunchHole);
    }

    private void zero(String operation, long offsetBytes, long lengthBytes, boolean release) throws IOException {
        ensureOpen();
        BlockRanges.checkWritable(operation, readOnly, offsetBytes, lengthBytes, sizeBytes);
        lock.writeLock().lock();
        try {
            long at = offsetBytes;
            long end = offsetBytes + lengthBytes;
            while (at < end) {
                int index = (int) (at / CHUNK_BYTES);
                int within = (int) (at % CHUNK_BYTES);
                int n = (int) Math.min(CHUNK_BYTES - within, end - at);
                byte[] chunk = chunks[index];
                if (chunk != null) {
                    if (release && n == CHUNK_BYTES) {
                        chunks[index] = null;
                    } else {
                        java.util.Arrays.fill(chunk, within, within + n, (byte) 0);
                    }
                } else if (!release) {
                    chunks[index] = new byte[CHUNK_BYTES];
                }
                at += n;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        ensureOpen();
        BlockRanges.checkRange(offsetBytes, lengthBytes, sizeBytes);
        List<Extent> extents = new ArrayList<>();
        lock.readLock().lock();
        try {
            long at = offsetBytes;
            long end = offsetBytes + lengthBytes;
            while (at < end) {
                boolean hole = chunks[(int) (at / CHUNK_BYTES)] == null;
                long runEnd = at;
                while (runEnd < end && (chunks[(int) (runEnd / CHUNK_BYTES)] == null) == hole) {
                    runEnd = Math.min(end, (runEnd / CHUNK_BYTES + 1) * CHUNK_BYTES);
                }
                extents.add(hole ? Extent.hole(at, runEnd - at) : Extent.data(at, runEnd - at));
                at = runEnd;
            }
        } finally {
            lock.readLock().unlock();
        }
        return extents;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("device closed");
        }
    }
}
