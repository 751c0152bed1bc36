package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_dump_table} of grant_table.h: argument of {@code GNTTABOP_dump_table}.
 */
public final class GnttabDumpTableDescriptor {

    /** Offset of {@code dom}: IN: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_dump_table", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_dump_table", member = "status")
    public static final int STATUS_OFFSET = 2;

    /** Bytes in {@code struct gnttab_dump_table} (grant_table.h). */
    @XenSizeof("struct gnttab_dump_table")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct gnttab_dump_table}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_dump_table)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 2;

    private GnttabDumpTableDescriptor() {
    }
}
