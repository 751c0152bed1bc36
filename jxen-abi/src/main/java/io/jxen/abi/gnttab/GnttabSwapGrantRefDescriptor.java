package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_swap_grant_ref} of grant_table.h: argument of {@code GNTTABOP_swap_grant_ref}.
 */
public final class GnttabSwapGrantRefDescriptor {

    /** Offset of {@code ref_a}: IN: one entry (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_swap_grant_ref", member = "ref_a")
    public static final int REF_A_OFFSET = 0;

    /** Offset of {@code ref_b}: IN: the other (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_swap_grant_ref", member = "ref_b")
    public static final int REF_B_OFFSET = 4;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_swap_grant_ref", member = "status")
    public static final int STATUS_OFFSET = 8;

    /** Bytes in {@code struct gnttab_swap_grant_ref} (grant_table.h). */
    @XenSizeof("struct gnttab_swap_grant_ref")
    public static final int SIZE = 12;

    /**
     * The C alignment of {@code struct gnttab_swap_grant_ref}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_swap_grant_ref)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private GnttabSwapGrantRefDescriptor() {
    }
}
