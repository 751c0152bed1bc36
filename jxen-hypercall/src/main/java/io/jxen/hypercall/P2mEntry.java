package io.jxen.hypercall;

/**
 * The format of one entry of a domain's published p2m table (guest frame number to machine
 * frame number), a little-endian 64-bit word per GFN in frames the hypervisor owns and writes
 * and the guest's memory view only reads (the role of EPT/NPT tables on hardware).
 *
 * <pre>
 *   63        62         61          60 .. 52   51 ............................ 0
 *   +---------+----------+-----------+----------+--------------------------------+
 *   | PRESENT | READONLY | FOREIGN   | reserved | MFN                            |
 *   +---------+----------+-----------+----------+--------------------------------+
 * </pre>
 *
 * <p>{@code FOREIGN} marks a page of another domain mapped here by a grant (Xen's
 * {@code p2m_grant_map_rw}/{@code _ro} types). An entry without {@code PRESENT} maps nothing.
 */
public final class P2mEntry {

    /** The entry maps a frame. */
    public static final long PRESENT = 1L << 63;
    /** Writes through this mapping are refused. */
    public static final long READONLY = 1L << 62;
    /** The frame belongs to another domain (grant mapping). */
    public static final long FOREIGN = 1L << 61;
    /** Bits of the machine frame number. */
    public static final long MFN_MASK = (1L << 52) - 1;
    /** An entry that maps nothing. */
    public static final long EMPTY = 0L;
    /** Bytes per entry. */
    public static final int SIZE = 8;
    /** Entries per 4 KiB p2m frame. */
    public static final int PER_FRAME = 4096 / SIZE;

    private P2mEntry() {
    }

    /** An entry mapping {@code mfn} with the given flag bits ({@link #READONLY}, {@link #FOREIGN}). */
    public static long of(long mfn, long flags) {
        if (mfn < 0 || mfn > MFN_MASK) {
            throw new IllegalArgumentException("mfn out of range: " + mfn);
        }
        return PRESENT | (flags & (READONLY | FOREIGN)) | mfn;
    }

    /** Whether {@code entry} maps a frame. */
    public static boolean present(long entry) {
        return (entry & PRESENT) != 0;
    }

    /** Whether writes through {@code entry} are refused. */
    public static boolean readOnly(long entry) {
        return (entry & READONLY) != 0;
    }

    /** Whether {@code entry} maps another domain's frame. */
    public static boolean foreign(long entry) {
        return (entry & FOREIGN) != 0;
    }

    /** The machine frame of a present entry. */
    public static long mfn(long entry) {
        return entry & MFN_MASK;
    }
}
