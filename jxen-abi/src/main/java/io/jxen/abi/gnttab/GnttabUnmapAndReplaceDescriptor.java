package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_unmap_and_replace} of grant_table.h: argument of {@code GNTTABOP_unmap_and_replace}.
 */
public final class GnttabUnmapAndReplaceDescriptor {

    /** Offset of {@code host_addr}: IN: the mapping to remove (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_unmap_and_replace", member = "host_addr")
    public static final int HOST_ADDR_OFFSET = 0;

    /** Offset of {@code new_addr}: IN: the mapping to move there (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_unmap_and_replace", member = "new_addr")
    public static final int NEW_ADDR_OFFSET = 8;

    /** Offset of {@code handle}: IN: from the map (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_unmap_and_replace", member = "handle")
    public static final int HANDLE_OFFSET = 16;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_unmap_and_replace", member = "status")
    public static final int STATUS_OFFSET = 20;

    /** Bytes in {@code struct gnttab_unmap_and_replace} (grant_table.h). */
    @XenSizeof("struct gnttab_unmap_and_replace")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct gnttab_unmap_and_replace}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_unmap_and_replace)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabUnmapAndReplaceDescriptor() {
    }
}
