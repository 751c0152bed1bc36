package io.jxen.hv.mm;

import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.FrameAllocator;
import io.jxen.memory.MachineMemory;
import io.jxen.memory.OutOfFramesException;

import java.util.BitSet;

/**
 * A domain's memory: the frames it owns ({@code d->page_list}, counted as {@code tot_pages}
 * against {@code max_pages}), where they sit in its {@link P2m}, and the global {@link M2p}.
 * Also places frames it does not own into its p2m: hypervisor pages (shared_info, grant-table
 * frames, like {@code XENMEM_add_to_physmap}) and other domains' granted pages.
 *
 * <p>Every frame handed to the domain is zeroed first, so no data leaks from its previous
 * owner. Not thread-safe: callers hold the hypervisor lock.
 */
public final class PhysMap {

    private final MachineMemory memory;
    private final FrameAllocator allocator;
    private final M2p m2p;
    private final int domid;
    private final P2m p2m;
    private final BitSet owned = new BitSet();
    private final java.util.Map<Long, Integer> pins = new java.util.HashMap<>();
    private long totPages;
    private long maxPages;

    /**
     * @param gfnLimit size of the guest-physical address space in frames
     * @param maxPages most frames the domain may own ({@code max_pages})
     */
    public PhysMap(MachineMemory memory, FrameAllocator allocator, M2p m2p, int domid, long gfnLimit, long maxPages) {
        this.memory = memory;
        this.allocator = allocator;
        this.m2p = m2p;
        this.domid = domid;
        this.maxPages = maxPages;
        this.p2m = new P2m(memory, allocator, gfnLimit);
    }

    /** The p2m table. */
    public P2m p2m() {
        return p2m;
    }

    /** Frames the domain owns ({@code tot_pages}). */
    public long totPages() {
        return totPages;
    }

    /** The most frames the domain may own ({@code max_pages}). */
    public long maxPages() {
        return maxPages;
    }

    /** Whether the domain owns {@code mfn}. */
    public boolean owns(long mfn) {
        return mfn >= 0 && mfn < Integer.MAX_VALUE && owned.get((int) mfn);
    }

    /**
     * Allocates a zeroed frame owned by the domain, not yet in its p2m.
     *
     * @return its MFN, or -1 if over {@code max_pages} or out of machine memory
     */
    public long allocate() {
        if (totPages >= maxPages) {
            return -1;
        }
        long mfn;
        try {
            mfn = allocator.alloc();
        } catch (OutOfFramesException e) {
            return -1;
        }
        memory.frame(mfn).fill((byte) 0);
        owned.set((int) mfn);
        totPages++;
        m2p.set(mfn, domid, M2p.INVALID_GFN);
        return mfn;
    }

    /**
     * Backs {@code gfn} with a fresh frame (populate_physmap for a translated guest).
     *
     * @return the MFN, or -1 if {@code gfn} is outside the space, already mapped, or no frame
     *         may be allocated
     */
    public long populate(long gfn) {
        if (!p2m.inRange(gfn) || P2mEntry.present(p2m.get(gfn))) {
            return -1;
        }
        long mfn = allocate();
        if (mfn < 0) {
            return -1;
        }
        m2p.set(mfn, domid, gfn);
        p2m.set(gfn, P2mEntry.of(mfn, 0));
        return mfn;
    }

    /**
     * Takes a hypervisor reference on an owned frame ({@code get_page}): while referenced (a
     * registered vcpu_info, a FIFO control block or event-array page, a granted page someone
     * maps) the frame is not given back by {@link #release(long)}, so the hypervisor never
     * writes into a frame that went back to the allocator.
     */
    public void pin(long mfn) {
        pins.merge(mfn, 1, Integer::sum);
    }

    /** Drops a reference taken by {@link #pin(long)} ({@code put_page}). */
    public void unpin(long mfn) {
        pins.computeIfPresent(mfn, (k, n) -> n == 1 ? null : n - 1);
    }

    /** Whether the hypervisor holds a reference on {@code mfn}. */
    public boolean pinned(long mfn) {
        return pins.containsKey(mfn);
    }

    /**
     * Gives back the domain's own frame at {@code gfn} (decrease_reservation, translated).
     * Xen would drop the frame from the p2m and free it when the last reference goes; jxen
     * refuses while the hypervisor references it.
     *
     * @return whether a frame was released
     */
    public boolean release(long gfn) {
        long entry = p2m.get(gfn);
        if (!P2mEntry.present(entry) || P2mEntry.foreign(entry) || !owns(P2mEntry.mfn(entry))
                || pinned(P2mEntry.mfn(entry))) {
            return false;
        }
        p2m.set(gfn, P2mEntry.EMPTY);
        free(P2mEntry.mfn(entry));
        return true;
    }

    /** Frees an owned frame that is not in the p2m (or was just removed from it). */
    public void free(long mfn) {
        owned.clear((int) mfn);
        totPages--;
        m2p.clear(mfn);
        allocator.free(mfn);
    }

    /**
     * Places a frame the domain does not own (a hypervisor page or a granted page) at
     * {@code gfn}.
     *
     * @return false if {@code gfn} is outside the space or already mapped
     */
    public boolean mapForeign(long gfn, long mfn, boolean readOnly) {
        if (!p2m.inRange(gfn) || P2mEntry.present(p2m.get(gfn))) {
            return false;
        }
        p2m.set(gfn, P2mEntry.of(mfn, P2mEntry.FOREIGN | (readOnly ? P2mEntry.READONLY : 0)));
        return true;
    }

    /** Removes a foreign mapping of {@code mfn} at {@code gfn}; false if that is not what is there. */
    public boolean unmapForeign(long gfn, long mfn) {
        long entry = p2m.get(gfn);
        if (!P2mEntry.present(entry) || !P2mEntry.foreign(entry) || P2mEntry.mfn(entry) != mfn) {
            return false;
        }
        p2m.set(gfn, P2mEntry.EMPTY);
        return true;
    }

    /**
     * Frees every owned frame and the p2m itself (domain destruction). Frames {@code retained}
     * says someone still references pass to the hypervisor ({@code DOMID_XEN}) instead, to be
     * freed when that reference goes.
     */
    public void releaseAll(java.util.function.LongPredicate retained) {
        for (int mfn = owned.nextSetBit(0); mfn >= 0; mfn = owned.nextSetBit(mfn + 1)) {
            if (retained.test(mfn)) {
                m2p.set(mfn, io.jxen.abi.xen.DomId.XEN, M2p.INVALID_GFN);
                continue;
            }
            m2p.clear(mfn);
            allocator.free(mfn);
        }
        owned.clear();
        pins.clear();
        totPages = 0;
        p2m.release();
    }
}
