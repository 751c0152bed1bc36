package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct mmu_update} of xen.h: one request of {@code __HYPERVISOR_mmu_update}. The low
 * two bits of {@code ptr} are the command ({@link MmuUpdateType}).
 */
public final class MmuUpdateDescriptor {

    /** Offset of {@code ptr}: machine address of the PTE, command in bits 0-1 (xen.h). */
    @XenOffsetof(type = "struct mmu_update", member = "ptr")
    public static final int PTR_OFFSET = 0;

    /** Offset of {@code val}: new contents of the PTE (xen.h). */
    @XenOffsetof(type = "struct mmu_update", member = "val")
    public static final int VAL_OFFSET = 8;

    /** Bytes in {@code struct mmu_update} (xen.h). */
    @XenSizeof("struct mmu_update")
    public static final int SIZE = 16;

    /** The C alignment of {@code struct mmu_update}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct mmu_update)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private MmuUpdateDescriptor() {
    }
}
