package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct mmuext_op} of xen.h (x86_64): one request of {@code __HYPERVISOR_mmuext_op};
 * {@code cmd} is an {@link MmuExtCmd}.
 */
public final class MmuExtOpDescriptor {

    /** Offset of {@code cmd}: the {@code MMUEXT_*} command (xen.h). */
    @XenOffsetof(type = "struct mmuext_op", member = "cmd")
    public static final int CMD_OFFSET = 0;

    /**
     * Offset of {@code arg1.mfn}: arg1 as a frame: pin/unpin, base pointers, clear/copy page, mark
     * super (xen.h).
     */
    @XenOffsetof(type = "struct mmuext_op", member = "arg1.mfn")
    public static final int ARG1_MFN_OFFSET = 8;

    /** Offset of {@code arg1.linear_addr}: arg1 as a linear address: INVLPG and SET_LDT (xen.h). */
    @XenOffsetof(type = "struct mmuext_op", member = "arg1.linear_addr")
    public static final int ARG1_LINEAR_ADDR_OFFSET = 8;

    /** Offset of {@code arg2.nr_ents}: arg2 as an entry count: SET_LDT (xen.h). */
    @XenOffsetof(type = "struct mmuext_op", member = "arg2.nr_ents")
    public static final int ARG2_NR_ENTS_OFFSET = 16;

    /**
     * Offset of {@code arg2.vcpumask}: arg2 as a guest handle to a vCPU bitmap: the MULTI flushes
     * (xen.h).
     */
    @XenOffsetof(type = "struct mmuext_op", member = "arg2.vcpumask")
    public static final int ARG2_VCPUMASK_OFFSET = 16;

    /** Offset of {@code arg2.src_mfn}: arg2 as the source frame: COPY_PAGE (xen.h). */
    @XenOffsetof(type = "struct mmuext_op", member = "arg2.src_mfn")
    public static final int ARG2_SRC_MFN_OFFSET = 16;

    /** Bytes in {@code struct mmuext_op} (xen.h). */
    @XenSizeof("struct mmuext_op")
    public static final int SIZE = 24;

    /** The C alignment of {@code struct mmuext_op}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct mmuext_op)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private MmuExtOpDescriptor() {
    }
}
