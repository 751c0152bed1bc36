package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_get_version} of grant_table.h: argument of {@code GNTTABOP_get_version}.
 */
public final class GnttabGetVersionDescriptor {

    /** Offset of {@code dom}: IN: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_version", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code pad}: padding (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_version", member = "pad")
    public static final int PAD_OFFSET = 2;

    /** Offset of {@code version}: OUT: the version (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_get_version", member = "version")
    public static final int VERSION_OFFSET = 4;

    /** Bytes in {@code struct gnttab_get_version} (grant_table.h). */
    @XenSizeof("struct gnttab_get_version")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct gnttab_get_version}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_get_version)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private GnttabGetVersionDescriptor() {
    }
}
