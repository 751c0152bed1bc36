package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_get_status_frames} of grant_table.h: argument of {@code GNTTABOP_get_status_frames}.
 */
public final class GnttabGetStatusFramesDescriptor {

    /** Offset of {@code nr_frames}: IN: frames wanted (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_status_frames", member = "nr_frames")
    public static final int NR_FRAMES_OFFSET = 0;

    /** Offset of {@code dom}: IN: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_status_frames", member = "dom")
    public static final int DOM_OFFSET = 4;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_status_frames", member = "status")
    public static final int STATUS_OFFSET = 6;

    /** Offset of {@code frame_list}: OUT: guest handle of a {@code uint64_t} array (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_status_frames", member = "frame_list")
    public static final int FRAME_LIST_OFFSET = 8;

    /** Bytes in {@code struct gnttab_get_status_frames} (grant_table.h). */
    @XenSizeof("struct gnttab_get_status_frames")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct gnttab_get_status_frames}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_get_status_frames)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabGetStatusFramesDescriptor() {
    }
}
