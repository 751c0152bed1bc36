package io.jxen.hv.mm;

import io.jxen.abi.xen.DomId;

import java.util.Arrays;

/**
 * The machine-to-physical table: for every machine frame, its owner and the GFN it has in
 * the owner's p2m (Xen's {@code machine_to_phys_mapping} plus {@code page_get_owner}). Frames
 * the hypervisor keeps for itself (shared_info, p2m and grant frames) are owned by
 * {@code DOMID_XEN}; free frames by {@code DOMID_INVALID}.
 */
public final class M2p {

    /** GFN of a frame that is not in any p2m. */
    public static final long INVALID_GFN = -1L;

    private final long[] gfn;
    private final short[] owner;

    /** @param frames machine frames to track */
    public M2p(long frames) {
        this.gfn = new long[Math.toIntExact(frames)];
        this.owner = new short[Math.toIntExact(frames)];
        Arrays.fill(gfn, INVALID_GFN);
        Arrays.fill(owner, (short) DomId.INVALID);
    }

    /** Records that {@code mfn} belongs to {@code domid} at {@code gfn} (or {@link #INVALID_GFN}). */
    public void set(long mfn, int domid, long guestFrame) {
        owner[(int) mfn] = (short) domid;
        gfn[(int) mfn] = guestFrame;
    }

    /** Marks {@code mfn} free. */
    public void clear(long mfn) {
        set(mfn, DomId.INVALID, INVALID_GFN);
    }

    /** The owner of {@code mfn}, {@code DOMID_INVALID} if free. */
    public int owner(long mfn) {
        return Short.toUnsignedInt(owner[(int) mfn]);
    }

    /** The GFN of {@code mfn} in its owner's p2m, or {@link #INVALID_GFN}. */
    public long gfn(long mfn) {
        return gfn[(int) mfn];
    }
}
