package io.jxen.hv.mm;

import io.jxen.abi.xen.DomId;
import io.jxen.memory.FrameAllocator;
import io.jxen.memory.MachineMemory;
import io.jxen.memory.OutOfFramesException;

/**
 * The host's machine memory as the hypervisor manages it: the mapped file, its frame
 * allocator and the {@link M2p}. Hypervisor-owned frames ({@code DOMID_XEN}: shared_info,
 * grant-table frames) come from here.
 *
 * @param memory    the machine memory
 * @param allocator its frame allocator
 * @param m2p       machine-to-physical table
 */
public record HostMemory(MachineMemory memory, FrameAllocator allocator, M2p m2p,
                         java.util.Map<Long, Integer> retained) {

    /** Wraps a freshly created memory. */
    public static HostMemory of(MachineMemory memory) {
        return new HostMemory(memory, memory.allocator(), new M2p(memory.frames()), new java.util.HashMap<>());
    }

    /**
     * Keeps a frame of a destroyed domain alive for someone who still holds a device mapping of
     * it (Xen keeps a page while references remain): it is not freed with its domain but when
     * the last such reference is dropped.
     */
    public void retain(long mfn) {
        retained.merge(mfn, 1, Integer::sum);
    }

    /** Whether {@code mfn} is kept alive by {@link #retain(long)}. */
    public boolean isRetained(long mfn) {
        return retained.containsKey(mfn);
    }

    /** Drops a {@link #retain(long)} reference; the frame is freed with the last one. */
    public void release(long mfn) {
        Integer left = retained.computeIfPresent(mfn, (k, n) -> n == 1 ? null : n - 1);
        if (left == null && m2p.owner(mfn) == DomId.XEN) {
            freeXenFrame(mfn);
        }
    }

    /**
     * Allocates a zeroed frame owned by Xen.
     *
     * @return its MFN, or -1 if memory is exhausted
     */
    public long allocXenFrame() {
        long mfn;
        try {
            mfn = allocator.alloc();
        } catch (OutOfFramesException e) {
            return -1;
        }
        memory.frame(mfn).fill((byte) 0);
        m2p.set(mfn, DomId.XEN, M2p.INVALID_GFN);
        return mfn;
    }

    /** Frees a frame from {@link #allocXenFrame()}. */
    public void freeXenFrame(long mfn) {
        m2p.clear(mfn);
        allocator.free(mfn);
    }
}
