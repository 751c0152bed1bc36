package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_set_version} of grant_table.h: argument of {@code GNTTABOP_set_version}.
 */
public final class GnttabSetVersionDescriptor {

    /** Offset of {@code version}: IN/OUT: the version wanted; the version in force (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_set_version", member = "version")
    public static final int VERSION_OFFSET = 0;

    /** Bytes in {@code struct gnttab_set_version} (grant_table.h). */
    @XenSizeof("struct gnttab_set_version")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct gnttab_set_version}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_set_version)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private GnttabSetVersionDescriptor() {
    }
}
