package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_query_size} of grant_table.h: argument of {@code GNTTABOP_query_size}.
 */
public final class GnttabQuerySizeDescriptor {

    /** Offset of {@code dom}: IN: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_query_size", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code nr_frames}: OUT: current frames (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_query_size", member = "nr_frames")
    public static final int NR_FRAMES_OFFSET = 4;

    /** Offset of {@code max_nr_frames}: OUT: maximum frames (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_query_size", member = "max_nr_frames")
    public static final int MAX_NR_FRAMES_OFFSET = 8;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_query_size", member = "status")
    public static final int STATUS_OFFSET = 12;

    /** Bytes in {@code struct gnttab_query_size} (grant_table.h). */
    @XenSizeof("struct gnttab_query_size")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct gnttab_query_size}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_query_size)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private GnttabQuerySizeDescriptor() {
    }
}
