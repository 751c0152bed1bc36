package io.jxen.abi.xen;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_guest_context} of arch-x86/xen.h (x86_64): the argument of
 * {@code VCPUOP_initialise} for a PV vCPU. Only the fields jxen keeps are described.
 */
public final class VcpuGuestContextDescriptor {

    /** Offset of {@code flags} ({@code VGCF_*}), after the 512-byte {@code fpu_ctxt} (arch-x86/xen.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "flags")
    public static final int FLAGS_OFFSET = 512;

    /** Offset of {@code user_regs.rip}: where the vCPU starts (arch-x86/xen-x86_64.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "user_regs.rip")
    public static final int USER_REGS_RIP_OFFSET = 648;

    /** Offset of {@code user_regs.rsp}: its initial stack (arch-x86/xen-x86_64.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "user_regs.rsp")
    public static final int USER_REGS_RSP_OFFSET = 672;

    /** Offset of {@code kernel_sp}: the kernel stack of the virtual TSS (arch-x86/xen.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "kernel_sp")
    public static final int KERNEL_SP_OFFSET = 4976;

    /** Offset of {@code ctrlreg[0]}: CR0-CR7, CR3 at index 3 (arch-x86/xen.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "ctrlreg")
    public static final int CTRLREG_OFFSET = 4984;

    /** Offset of {@code ctrlreg[3]}: the initial page-table base (arch-x86/xen.h). */
    @XenOffsetof(type = "struct vcpu_guest_context", member = "ctrlreg[3]")
    public static final int CTRLREG3_OFFSET = 5008;

    /** Bytes in {@code struct vcpu_guest_context} (arch-x86/xen.h). */
    @XenSizeof("struct vcpu_guest_context")
    public static final int SIZE = 5168;

    private VcpuGuestContextDescriptor() {
    }
}
