package io.jxen.hv.gnttab;

import io.jxen.hv.domain.Domain;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hypercall.abi.GrantTableLayouts;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A domain's grant table (v1): the shared frames holding its {@code grant_entry_v1} array.
 * The frames are hypervisor pages ({@code DOMID_XEN}) mapped into the granting domain's p2m
 * at {@link Domain#grantFrameGfn(int)}, so the guest writes its entries there and the frame
 * numbers {@code GNTTABOP_setup_table} reports are those GFNs. The table starts with one frame
 * ({@code INITIAL_NR_GRANT_FRAMES}) and grows on demand up to {@code max_grant_frames}
 * (grant_table.c {@code gnttab_grow_table}).
 */
public final class GrantTable {

    /** v1 entries per 4 KiB frame. */
    public static final int ENTRIES_PER_FRAME = 4096 / GrantTableLayouts.EntryV1.SIZE;

    private final Domain domain;
    private final HostMemory host;
    private final List<Long> frames = new ArrayList<>();
    private final List<ActiveGrant> active = new ArrayList<>();
    private final Maptrack maptrack = new Maptrack();

    /** An empty table of {@code domain}. */
    public GrantTable(Domain domain, HostMemory host) {
        this.domain = domain;
        this.host = host;
    }

    /** Frames in use ({@code nr_grant_frames}). */
    public int nrFrames() {
        return frames.size();
    }

    /** The most frames the table may have ({@code max_grant_frames}). */
    public int maxFrames() {
        return domain.config().maxGrantFrames();
    }

    /** Entries in the table ({@code nr_grant_entries}). */
    public int nrEntries() {
        return frames.size() * ENTRIES_PER_FRAME;
    }

    /**
     * Grows the table to {@code nrFrames} frames.
     *
     * @return false if that exceeds {@link #maxFrames()} or memory ran out (frames added so
     *         far stay, as in Xen)
     */
    public boolean grow(int nrFrames) {
        if (nrFrames > maxFrames()) {
            return false;
        }
        while (frames.size() < nrFrames) {
            long mfn = host.allocXenFrame();
            if (mfn < 0) {
                return false;
            }
            domain.physMap().mapForeign(domain.grantFrameGfn(frames.size()), mfn, false);
            frames.add(mfn);
            for (int i = 0; i < ENTRIES_PER_FRAME; i++) {
                active.add(new ActiveGrant());
            }
        }
        return true;
    }

    /** Machine frame {@code index} of the table. */
    public long frameMfn(int index) {
        return frames.get(index);
    }

    /** The shared frame holding entry {@code ref}, and its offset, as a segment of the entry. */
    public MemorySegment entry(int ref) {
        long mfn = frames.get(ref / ENTRIES_PER_FRAME);
        return host.memory().frame(mfn).asSlice((long) (ref % ENTRIES_PER_FRAME) * GrantTableLayouts.EntryV1.SIZE,
                GrantTableLayouts.EntryV1.SIZE);
    }

    /** The active entry of {@code ref} (below {@link #nrEntries()}). */
    ActiveGrant active(int ref) {
        return active.get(ref);
    }

    /** This domain's mappings of other domains' grants. */
    Maptrack maptrack() {
        return maptrack;
    }

    /** Mappings this domain holds of grants (for tests and {@code jxen top}). */
    public int mappingsInUse() {
        return maptrack.inUse();
    }

    /** Unmaps and frees the table's frames (domain destruction). */
    public void releaseFrames() {
        for (int i = 0; i < frames.size(); i++) {
            domain.physMap().unmapForeign(domain.grantFrameGfn(i), frames.get(i));
            host.freeXenFrame(frames.get(i));
        }
        frames.clear();
        active.clear();
    }
}
