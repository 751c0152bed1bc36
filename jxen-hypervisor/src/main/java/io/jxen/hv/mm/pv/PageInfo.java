package io.jxen.hv.mm.pv;

/**
 * The type half of one machine frame's {@code struct page_info}: its type, the type count, the
 * pinned bit, and for a validated page table the entries as they were validated (the
 * references the table holds are exactly those, whatever the guest later writes to the frame
 * behind the hypervisor's back).
 */
public final class PageInfo {

    PageType type = PageType.NONE;
    int count;
    boolean pinned;
    boolean validating;
    long[] entries;
    /**
     * Xen's {@code linear_pt_count} (XSA-240): above 0, how many linear entries this table holds;
     * below 0, how many linear entries elsewhere point at it. Never both, so linear page tables
     * nest one level only.
     */
    int linear;

    /** The type (NONE while the count is 0). */
    public PageType type() {
        return type;
    }

    /** The type count. */
    public int count() {
        return count;
    }

    /** Whether the page is pinned ({@code _PGT_pinned}). */
    public boolean pinned() {
        return pinned;
    }

    /** Xen's {@code linear_pt_count}: linear entries held (&gt; 0) or linear uses of this table (&lt; 0). */
    public int linearCount() {
        return linear;
    }

    /** The validated entry in {@code slot} of a page table (0 if not one). */
    public long entry(int slot) {
        return entries == null ? 0 : entries[slot];
    }
}
