package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Reads and writes gathered from several requests and run together: blkback puts every
 * READ/WRITE of a ring batch here (segments straight in the frontend's persistently mapped
 * pages) and runs them with one {@link #run()} before it pushes the batch's responses. On a
 * {@link FileEngine} the batch goes to the kernel as one {@code io_uring_enter} (one system call
 * for the whole batch, cached reads completing inline), or, without io_uring, as one
 * {@code preadv}/{@code pwritev} each; on any other {@link BlockDevice} each transfer is a
 * {@link BlockDevice#readScattered}/{@link BlockDevice#writeGathered} call.
 *
 * <p>The transfers of a batch may run concurrently and complete in any order: a caller that
 * needs one to follow another (overlapping ranges, a barrier) runs the batch first. Each
 * transfer succeeds or fails on its own ({@link #failure}). Not thread-safe: one thread fills
 * and runs it.
 *
 * <p>Use: {@link #begin}, one {@link #segment} per part, {@link #end}; then {@link #run()}, then
 * {@link #failure} per transfer, then {@link #clear()}.
 */
public interface IoBatch extends AutoCloseable {

    /** A batch on {@code disk}: a {@link FileEngine}'s own, else one call per transfer. */
    static IoBatch of(BlockDevice disk, int maxTransfers, int maxSegments) {
        if (disk instanceof FileEngine engine) {
            IoBatch batch = engine.newBatch(maxTransfers, maxSegments);
            if (batch != null) {
                return batch;
            }
        }
        return new SerialBatch(disk, maxTransfers, maxSegments);
    }

    /**
     * A batch on {@code disk} that runs its transfers one at a time, the last added first: the
     * order this interface allows that is furthest from the order of adding, for tests of a
     * caller's ordering rules (a batched engine that completes in order would hide a missing one).
     */
    static IoBatch lastFirst(BlockDevice disk, int maxTransfers, int maxSegments) {
        return new SerialBatch(disk, maxTransfers, maxSegments, true);
    }

    /** Transfers it holds at most. */
    int maxTransfers();

    /** Segments (parts) it holds at most, over all its transfers. */
    int maxSegments();

    /** Transfers added since the last {@link #clear()}. */
    int transfers();

    /** Segments added since the last {@link #clear()}. */
    int segments();

    /**
     * Starts the next transfer: a read into (or write from) the segments that follow, which are
     * consecutive in the disk from {@code offsetBytes}.
     */
    void begin(boolean write, long offsetBytes);

    /** Adds {@code bytes} of {@code page} at {@code pageOffset} to the transfer begun. */
    void segment(MemorySegment page, long pageOffset, long bytes);

    /** Ends the transfer begun; returns its index. */
    int end();

    /** Runs every transfer added and waits for all of them. */
    void run();

    /** Why transfer {@code index} failed, or null when it moved all its bytes (a read past a shrunk file reads zeroes). */
    IOException failure(int index);

    /** Forgets every transfer (after {@link #run()}, or to drop them unrun). */
    void clear();

    /** Releases what it holds (an io_uring instance). */
    @Override
    void close();
}
