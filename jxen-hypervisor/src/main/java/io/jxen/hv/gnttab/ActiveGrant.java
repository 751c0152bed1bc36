package io.jxen.hv.gnttab;

/**
 * Xen's {@code struct active_grant_entry}: the hypervisor's private record of a grant in use.
 * The pin count packs four 8-bit counters as Xen's {@code GNTPIN_*} (grant_table.c:354-371):
 * host-writable, host-read-only, device-writable, device-read-only.
 */
final class ActiveGrant {

    static final int HSTW_SHIFT = 0;
    static final int HSTR_SHIFT = 8;
    static final int DEVW_SHIFT = 16;
    static final int DEVR_SHIFT = 24;
    static final int HSTW_INC = 1 << HSTW_SHIFT;
    static final int HSTR_INC = 1 << HSTR_SHIFT;
    static final int DEVW_INC = 1 << DEVW_SHIFT;
    static final int DEVR_INC = 1 << DEVR_SHIFT;
    static final int HSTW_MASK = 0xFF << HSTW_SHIFT;
    static final int DEVW_MASK = 0xFF << DEVW_SHIFT;

    /** Pin counters; 0 when the grant is not in use. */
    int pin;
    /** The domain the grant is pinned for ({@code act->domid}). */
    int domid;
    /** The granted machine frame. */
    long mfn;
    /** v2 sub-page grant: only {@code [start, start + length)} of the frame may be copied. */
    boolean subPage;
    /** First granted byte. */
    int start;
    /** Granted bytes. */
    int length = 4096;
    /** The domain whose frame this is: the granter, or for a transitive grant the one behind it. */
    int srcDomid = -1;
    /** For a transitive grant: the reference in {@link #srcDomid}'s table. */
    int transGref;

    /** Xen's {@code GNTPIN_incr2oflow_mask}: would adding {@code incr} overflow a counter? */
    boolean wouldOverflow(int incr) {
        for (int shift = 0; shift < 32; shift += 8) {
            if (((incr >>> shift) & 0xFF) != 0 && ((pin >>> shift) & 0xFF) == 0xFF) {
                return true;
            }
        }
        return false;
    }

    /** Whether any writable pin is held. */
    boolean writePinned() {
        return (pin & (HSTW_MASK | DEVW_MASK)) != 0;
    }
}
