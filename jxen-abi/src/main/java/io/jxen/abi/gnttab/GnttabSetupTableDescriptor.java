package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_setup_table} of grant_table.h (x86_64): argument of {@code GNTTABOP_setup_table}.
 */
public final class GnttabSetupTableDescriptor {

    /** Offset of {@code dom}: IN: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_setup_table", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code nr_frames}: IN: frames wanted (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_setup_table", member = "nr_frames")
    public static final int NR_FRAMES_OFFSET = 4;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_setup_table", member = "status")
    public static final int STATUS_OFFSET = 8;

    /**
     * Offset of {@code frame_list}: OUT: guest handle of the frame array ({@code xen_pfn_t})
     * (grant_table.h).
     */
    @XenOffsetof(type = "struct gnttab_setup_table", member = "frame_list")
    public static final int FRAME_LIST_OFFSET = 16;

    /** Bytes in {@code struct gnttab_setup_table} (grant_table.h). */
    @XenSizeof("struct gnttab_setup_table")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct gnttab_setup_table}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_setup_table)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabSetupTableDescriptor() {
    }
}
