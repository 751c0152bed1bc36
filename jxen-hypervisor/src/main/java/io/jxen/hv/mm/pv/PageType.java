package io.jxen.hv.mm.pv;

/** A page's type ({@code PGT_*} in Xen's {@code page_info.u.inuse.type_info}). */
public enum PageType {
    /** {@code PGT_none}: no type held. */
    NONE(0),
    /** {@code PGT_l1_page_table}. */
    L1(1),
    /** {@code PGT_l2_page_table}. */
    L2(2),
    /** {@code PGT_l3_page_table}. */
    L3(3),
    /** {@code PGT_l4_page_table}. */
    L4(4),
    /** {@code PGT_seg_desc_page}: a GDT/LDT page. */
    SEG_DESC(0),
    /** {@code PGT_writable_page}: mapped writable somewhere. */
    WRITABLE(0);

    private final int level;

    PageType(int level) {
        this.level = level;
    }

    /** Page-table level 1..4, 0 for the other types. */
    public int level() {
        return level;
    }

    /** Whether this is a page-table type. */
    public boolean pageTable() {
        return level > 0;
    }

    /** The page-table type of level {@code level} (1..4). */
    public static PageType table(int level) {
        return switch (level) {
            case 1 -> L1;
            case 2 -> L2;
            case 3 -> L3;
            case 4 -> L4;
            default -> throw new IllegalArgumentException("level " + level);
        };
    }
}
