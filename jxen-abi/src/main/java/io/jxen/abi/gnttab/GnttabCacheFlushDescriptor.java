package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_cache_flush} of grant_table.h: argument of {@code GNTTABOP_cache_flush}.
 */
public final class GnttabCacheFlushDescriptor {

    /** Offset of {@code a.dev_bus_addr}: IN: a bus address (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_cache_flush", member = "a.dev_bus_addr")
    public static final int A_DEV_BUS_ADDR_OFFSET = 0;

    /** Offset of {@code a.ref}: IN: or a grant ({@code GNTTAB_CACHE_SOURCE_GREF}) (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_cache_flush", member = "a.ref")
    public static final int A_REF_OFFSET = 0;

    /** Offset of {@code offset}: IN: offset in the grant (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_cache_flush", member = "offset")
    public static final int OFFSET_OFFSET = 8;

    /** Offset of {@code length}: IN: bytes (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_cache_flush", member = "length")
    public static final int LENGTH_OFFSET = 10;

    /** Offset of {@code op}: IN: {@code GNTTAB_CACHE_*} (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_cache_flush", member = "op")
    public static final int OP_OFFSET = 12;

    /** Bytes in {@code struct gnttab_cache_flush} (grant_table.h). */
    @XenSizeof("struct gnttab_cache_flush")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct gnttab_cache_flush}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_cache_flush)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabCacheFlushDescriptor() {
    }
}
