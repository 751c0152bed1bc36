package io.jxen.abi.gnttab;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_set_version} of grant_table.h: argument of {@code GNTTABOP_set_version}.
 */
public final class GnttabSetVersionDescriptor {

    /** Offset of {@code version}: IN/OUT: the version wanted; the version in force. */
    @XenOffsetof(type = "struct gnttab_set_version", member = "version")
    public static final int VERSION_OFFSET = 0;

    /** Bytes in {@code struct gnttab_set_version}. */
    @XenSizeof("struct gnttab_set_version")
    public static final int SIZE = 4;

    private GnttabSetVersionDescriptor() {
    }
}
