package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.gnttab.GrantEntryV1Descriptor;
import io.jxen.abi.gnttab.GrantEntryV2Descriptor;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.mm.HostMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A domain's grant table: the shared frames holding its entries ({@code grant_entry_v1}, 8
 * bytes, or {@code grant_entry_v2}, 16 bytes), and for v2 the status frames holding each
 * entry's {@code GTF_reading}/{@code GTF_writing} ({@code grant_status_t}, 16 bits). All are
 * hypervisor pages ({@code DOMID_XEN}) mapped into the granting domain's p2m at
 * {@link Domain#grantFrameGfn(int)} and {@link Domain#statusFrameGfn(int)}, so the frame numbers
 * {@code setup_table} and {@code get_status_frames} report are those GFNs. The table starts
 * with one frame ({@code INITIAL_NR_GRANT_FRAMES}) and grows on demand up to
 * {@code max_grant_frames} (grant_table.c {@code gnttab_grow_table}).
 */
public final class GrantTable {

    /** v1 entries per 4 KiB frame. */
    public static final int ENTRIES_PER_FRAME = io.jxen.abi.XenPage.SIZE / GrantEntryV1Descriptor.SIZE;
    /** v2 entries per frame ({@code union grant_entry_v2}). */
    public static final int ENTRIES_PER_FRAME_V2 = io.jxen.abi.XenPage.SIZE / GrantEntryV2Descriptor.SIZE;
    /** Status entries ({@code grant_status_t}) per status frame. */
    public static final int STATUS_PER_FRAME = io.jxen.abi.XenPage.SIZE / GrantTableLimits.GRANT_STATUS_SIZE;

    private final Domain domain;
    private final HostMemory host;
    private final List<Long> frames = new ArrayList<>();
    private final List<Long> statusFrames = new ArrayList<>();
    private final List<ActiveGrant> active = new ArrayList<>();
    private final Maptrack maptrack = new Maptrack();
    private int version = 1;

    /** An empty table of {@code domain}. */
    public GrantTable(Domain domain, HostMemory host) {
        this.domain = domain;
        this.host = host;
    }

    /** Xen's {@code grant_to_status_frames}: status frames a v2 table of {@code grantFrames} needs. */
    public static int statusFramesFor(int grantFrames) {
        return (grantFrames * ENTRIES_PER_FRAME_V2 + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;
    }

    /** The table's version, 1 or 2. */
    public int version() {
        return version;
    }

    /** Frames in use ({@code nr_grant_frames}). */
    public int nrFrames() {
        return frames.size();
    }

    /** Status frames in use ({@code nr_status_frames}); 0 for v1. */
    public int nrStatusFrames() {
        return statusFrames.size();
    }

    /** The most frames the table may have ({@code max_grant_frames}). */
    public int maxFrames() {
        return domain.config().maxGrantFrames();
    }

    /** Entries in the table ({@code nr_grant_entries}). */
    public int nrEntries() {
        return frames.size() * (version == 1 ? ENTRIES_PER_FRAME : ENTRIES_PER_FRAME_V2);
    }

    /**
     * Grows the table to {@code nrFrames} frames (and, for v2, its status frames).
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
        return version == 1 || populateStatusFrames();
    }

    /** {@code gnttab_populate_status_frames}. Status frames are read-only for the guest. */
    private boolean populateStatusFrames() {
        while (statusFrames.size() < statusFramesFor(frames.size())) {
            long mfn = host.allocXenFrame();
            if (mfn < 0) {
                return false;
            }
            domain.physMap().mapForeign(domain.statusFrameGfn(statusFrames.size()), mfn, true);
            statusFrames.add(mfn);
        }
        return true;
    }

    /** {@code gnttab_unpopulate_status_frames}: the guest loses the frames (XSA-255). */
    private void unpopulateStatusFrames() {
        for (int i = 0; i < statusFrames.size(); i++) {
            domain.physMap().unmapForeign(domain.statusFrameGfn(i), statusFrames.get(i));
            host.freeXenFrame(statusFrames.get(i));
        }
        statusFrames.clear();
    }

    /** Machine frame {@code index} of the table. */
    public long frameMfn(int index) {
        return frames.get(index);
    }

    /** The shared entry {@code ref} (8 bytes for v1, 16 for v2); flags and domid are first in both. */
    MemorySegment entry(int ref) {
        int size = version == 1 ? GrantEntryV1Descriptor.SIZE : 16;
        int perFrame = 4096 / size;
        return host.memory().frame(frames.get(ref / perFrame)).asSlice((long) (ref % perFrame) * size, size);
    }

    /** The frame number an entry grants: v1 {@code frame} (u32), v2 {@code full_page.frame} (u64). */
    long entryFrame(MemorySegment entry) {
        return version == 1
                ? Integer.toUnsignedLong(OrderedAccess.getIntVolatile(entry, GrantEntryV1Descriptor.FRAME_OFFSET))
                : OrderedAccess.getLongVolatile(entry, 8);
    }

    /** The v2 status entry of {@code ref}: a 2-byte slice of a status frame. */
    MemorySegment status(int ref) {
        return host.memory().frame(statusFrames.get(ref / STATUS_PER_FRAME))
                .asSlice((long) (ref % STATUS_PER_FRAME) * GrantTableLimits.GRANT_STATUS_SIZE,
                        GrantTableLimits.GRANT_STATUS_SIZE);
    }

    /** The active entry of {@code ref} (below {@link #nrEntries()}). */
    ActiveGrant active(int ref) {
        return active.get(ref);
    }

    /** This domain's mappings of other domains' grants. */
    Maptrack maptrack() {
        return maptrack;
    }

    /**
     * Entries of this table pinned (mapped or being copied) for domain {@code domid}: what a
     * backend in that domain still holds of this domain's grants. For tests and tools: read
     * without the hypervisor lock, so a snapshot.
     */
    public int pinnedFor(int domid) {
        int n = 0;
        for (int i = 0; i < active.size(); i++) {
            ActiveGrant a = active.get(i);
            if (a.pin != 0 && a.domid == domid) {
                n++;
            }
        }
        return n;
    }

    /** Mappings this domain holds of grants (for tests and {@code jxen top}). */
    public int mappingsInUse() {
        return maptrack.inUse();
    }

    /**
     * {@code gnttab_set_version} (grant_table.c:3225-3383) once the version is known to be
     * allowed: {@code -EBUSY} while any entry above the 8 reserved ones is pinned;
     * {@code -ERANGE} if a reserved v2 entry cannot be written as v1; the reserved entries
     * survive, everything else is cleared; status frames come (v2) or go (v1).
     *
     * @return 0 or a negative errno
     */
    int setVersion(int newVersion) {
        if (newVersion == version) {
            return 0;
        }
        for (int i = GrantTableLimits.NR_RESERVED_ENTRIES; i < nrEntries(); i++) {
            if (active.get(i).pin != 0) {
                return -XenErrno.EBUSY;
            }
        }
        long[] reserved = new long[GrantTableLimits.NR_RESERVED_ENTRIES * 2]; // {flags|domid<<16, frame}
        for (int i = 0; i < GrantTableLimits.NR_RESERVED_ENTRIES; i++) {
            MemorySegment e = entry(i);
            int raw = OrderedAccess.getIntVolatile(e, 0);
            int type = raw & Gtf.TYPE_MASK;
            long frame = entryFrame(e);
            if (version == 2) {
                if ((type == Gtf.PERMIT_ACCESS && (frame >>> 32) != 0)
                        || type == Gtf.TRANSITIVE) {
                    return -XenErrno.ERANGE;
                }
                if (type == Gtf.PERMIT_ACCESS) {
                    int st = Short.toUnsignedInt(OrderedAccess.getShortVolatile(status(i), 0));
                    reserved[2 * i] = (raw | st) & 0xFFFF_FFFFL;
                    reserved[2 * i + 1] = frame;
                }
            } else {
                reserved[2 * i] = raw & 0xFFFF_FFFFL;
                reserved[2 * i + 1] = frame;
            }
        }
        if (newVersion == 1) {
            unpopulateStatusFrames();
        } else if (!populateStatusFrames()) {
            unpopulateStatusFrames();
            return -XenErrno.ENOMEM;
        }
        for (long mfn : frames) {
            host.memory().frame(mfn).fill((byte) 0);
        }
        version = newVersion;
        int busy = Gtf.READING | Gtf.WRITING;
        for (int i = 0; i < GrantTableLimits.NR_RESERVED_ENTRIES; i++) {
            MemorySegment e = entry(i);
            int raw = (int) reserved[2 * i];
            if (version == 1) {
                OrderedAccess.setIntVolatile(e, GrantEntryV1Descriptor.FRAME_OFFSET, (int) reserved[2 * i + 1]);
                OrderedAccess.setIntVolatile(e, 0, raw);
            } else {
                OrderedAccess.setShortVolatile(status(i), 0, (short) (raw & busy));
                OrderedAccess.setLongVolatile(e, 8, reserved[2 * i + 1]);
                OrderedAccess.setIntVolatile(e, 0, raw & ~busy);
            }
        }
        return 0;
    }

    /** Unmaps and frees the table's frames (domain destruction). */
    public void releaseFrames() {
        unpopulateStatusFrames();
        for (int i = 0; i < frames.size(); i++) {
            domain.physMap().unmapForeign(domain.grantFrameGfn(i), frames.get(i));
            host.freeXenFrame(frames.get(i));
        }
        frames.clear();
        active.clear();
    }
}
