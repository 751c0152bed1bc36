package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code union grant_entry_v2} of grant_table.h: one entry of a version-2 grant table, 16 bytes;
 * the header's type picks the arm.
 *
 * <pre>
 *   0        2        4        8                          16
 *   +--------+--------+--------+--------------------------+
 *   | flags  | domid  | pad0   | frame             (full_page)
 *   | flags  | domid  |off|len | frame             (sub_page)
 *   | flags  | domid  |tdom|pad| gref   | (unused)  (transitive)
 *   +--------+--------+--------+--------------------------+
 * </pre>
 */
public final class GrantEntryV2Descriptor {

    /** Offset of {@code hdr}: the {@code grant_entry_header} (grant_table.h). */
    @XenOffsetof(type = "union grant_entry_v2", member = "hdr")
    public static final int HDR_OFFSET = 0;

    /** Offset of {@code full_page.frame}: full_page: the granted frame (grant_table.h). */
    @XenOffsetof(type = "union grant_entry_v2", member = "full_page.frame")
    public static final int FULL_PAGE_FRAME_OFFSET = 8;

    /** Offset of {@code sub_page.page_off}: sub_page: offset of the granted bytes (grant_table.h). */
    @XenOffsetof(type = "union grant_entry_v2", member = "sub_page.page_off")
    public static final int SUB_PAGE_PAGE_OFF_OFFSET = 4;

    /** Offset of {@code sub_page.length}: sub_page: length of the granted bytes (grant_table.h). */
    @XenOffsetof(type = "union grant_entry_v2", member = "sub_page.length")
    public static final int SUB_PAGE_LENGTH_OFFSET = 6;

    /** Offset of {@code sub_page.frame}: sub_page: the frame (grant_table.h). */
    @XenOffsetof(type = "union grant_entry_v2", member = "sub_page.frame")
    public static final int SUB_PAGE_FRAME_OFFSET = 8;

    /**
     * Offset of {@code transitive.trans_domid}: transitive: the domain of the grant passed on
     * (grant_table.h).
     */
    @XenOffsetof(type = "union grant_entry_v2", member = "transitive.trans_domid")
    public static final int TRANSITIVE_TRANS_DOMID_OFFSET = 4;

    /**
     * Offset of {@code transitive.gref}: transitive: the grant reference passed on
     * (grant_table.h).
     */
    @XenOffsetof(type = "union grant_entry_v2", member = "transitive.gref")
    public static final int TRANSITIVE_GREF_OFFSET = 8;

    /** Bytes in {@code union grant_entry_v2} (grant_table.h). */
    @XenSizeof("union grant_entry_v2")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code union grant_entry_v2}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(union grant_entry_v2)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GrantEntryV2Descriptor() {
    }
}
