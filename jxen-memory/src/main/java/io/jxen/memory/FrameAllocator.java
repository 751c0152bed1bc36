package io.jxen.memory;

import java.util.BitSet;

/**
 * Hands out the 4 KiB frames of one {@link MachineMemory}, by machine frame number (MFN).
 *
 * <p>A bitmap, one bit per frame, set while the frame is allocated. Single frames come from
 * the lowest free MFN; {@link #allocContiguous(int)} finds the lowest run of free frames
 * (multi-page rings need virtually contiguous pages, io/ring.h's {@code BACK_RING_INIT}
 * with {@code XEN_PAGE_SIZE * nr_ring_ref}). Not thread-safe by design: the hypervisor
 * allocates from one place; callers that share it synchronize.
 */
public final class FrameAllocator {

    private final long frames;
    private final BitSet allocated;
    private long allocatedCount;

    /**
     * An allocator of {@code frames} frames, all free.
     *
     * @param frames frames to manage, 1 to {@link Integer#MAX_VALUE}
     */
    public FrameAllocator(long frames) {
        if (frames < 1 || frames > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("frames must be 1.." + Integer.MAX_VALUE + ", was " + frames);
        }
        this.frames = frames;
        this.allocated = new BitSet((int) frames);
    }

    /** Frames managed in total. */
    public long frames() {
        return frames;
    }

    /** Frames currently free. */
    public long freeFrames() {
        return frames - allocatedCount;
    }

    /**
     * Allocates the free frame with the lowest MFN.
     *
     * @return its MFN
     * @throws OutOfFramesException if every frame is allocated
     */
    public long alloc() {
        return allocContiguous(1);
    }

    /**
     * Allocates {@code count} frames with consecutive MFNs, the lowest such run.
     *
     * @param count frames wanted, at least 1
     * @return the first MFN of the run
     * @throws OutOfFramesException if no free run of that length exists
     */
    public long allocContiguous(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        int start = allocated.nextClearBit(0);
        while (start + (long) count <= frames) {
            int nextUsed = allocated.nextSetBit(start);
            if (nextUsed < 0 || nextUsed >= start + count) {
                allocated.set(start, start + count);
                allocatedCount += count;
                return start;
            }
            start = allocated.nextClearBit(nextUsed);
        }
        throw new OutOfFramesException(count, freeFrames(), frames);
    }

    /**
     * Returns one frame.
     *
     * @param mfn an allocated frame
     * @throws IllegalStateException if the frame is not allocated (a double free)
     * @throws IndexOutOfBoundsException if the MFN is outside this memory
     */
    public void free(long mfn) {
        free(mfn, 1);
    }

    /**
     * Returns {@code count} frames starting at {@code firstMfn}; all must be allocated,
     * otherwise nothing is freed.
     *
     * @throws IllegalStateException if any of them is not allocated (a double free)
     * @throws IndexOutOfBoundsException if the range is outside this memory
     */
    public void free(long firstMfn, int count) {
        checkRange(firstMfn, count);
        int first = (int) firstMfn;
        int clear = allocated.nextClearBit(first);
        if (clear < first + count) {
            throw new IllegalStateException("double free: frame 0x" + Long.toHexString(clear) + " is not allocated");
        }
        allocated.clear(first, first + count);
        allocatedCount -= count;
    }

    /** Whether {@code mfn} is currently allocated. */
    public boolean isAllocated(long mfn) {
        checkRange(mfn, 1);
        return allocated.get((int) mfn);
    }

    private void checkRange(long firstMfn, int count) {
        if (count < 1 || firstMfn < 0 || firstMfn + count > frames) {
            throw new IndexOutOfBoundsException("frames 0x" + Long.toHexString(firstMfn) + "+" + count
                    + " outside memory of " + frames + " frames");
        }
    }
}
