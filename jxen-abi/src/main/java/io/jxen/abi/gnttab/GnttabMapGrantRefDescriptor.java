package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_map_grant_ref} of grant_table.h: argument of {@code GNTTABOP_map_grant_ref}.
 */
public final class GnttabMapGrantRefDescriptor {

    /** Offset of {@code host_addr}: IN: where to map (or PTE address) (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "host_addr")
    public static final int HOST_ADDR_OFFSET = 0;

    /** Offset of {@code flags}: IN: {@code GNTMAP_*} (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "flags")
    public static final int FLAGS_OFFSET = 8;

    /** Offset of {@code ref}: IN: the grant reference (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "ref")
    public static final int REF_OFFSET = 12;

    /** Offset of {@code dom}: IN: the granting domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "dom")
    public static final int DOM_OFFSET = 16;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "status")
    public static final int STATUS_OFFSET = 18;

    /** Offset of {@code handle}: OUT: handle for the unmap (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "handle")
    public static final int HANDLE_OFFSET = 20;

    /** Offset of {@code dev_bus_addr}: OUT: bus address for device access (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_map_grant_ref", member = "dev_bus_addr")
    public static final int DEV_BUS_ADDR_OFFSET = 24;

    /** Bytes in {@code struct gnttab_map_grant_ref} (grant_table.h). */
    @XenSizeof("struct gnttab_map_grant_ref")
    public static final int SIZE = 32;

    /**
     * The C alignment of {@code struct gnttab_map_grant_ref}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_map_grant_ref)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabMapGrantRefDescriptor() {
    }
}
