package io.jxen.hv.domain;

/**
 * What jxen keeps of a PV {@code struct vcpu_guest_context} (VCPUOP_initialise): the fields a
 * Java guest gives meaning to. The entry point and stack are opaque values the guest's own
 * code interprets (there is no instruction pointer to load); {@code flags} are the
 * {@code VGCF_*} bits.
 *
 * @param flags       {@code vcpu_guest_context.flags}
 * @param entryPoint  {@code user_regs.rip}
 * @param stack       {@code user_regs.rsp}
 * @param kernelSp    {@code kernel_sp}
 * @param cr3         {@code ctrlreg[3]}
 */
public record VcpuContext(long flags, long entryPoint, long stack, long kernelSp, long cr3) {

    /** {@code sizeof(struct vcpu_guest_context)} on x86_64 (Xen 4.17 headers). */
    public static final int SIZE = 5168;
    /** Offset of {@code flags}. */
    public static final int FLAGS_OFFSET = 512;
    /** Offset of {@code user_regs.rip}. */
    public static final int RIP_OFFSET = 648;
    /** Offset of {@code user_regs.rsp}. */
    public static final int RSP_OFFSET = 672;
    /** Offset of {@code kernel_sp}. */
    public static final int KERNEL_SP_OFFSET = 4976;
    /** Offset of {@code ctrlreg[0]}; {@code ctrlreg[3]} is 24 bytes on. */
    public static final int CTRLREG_OFFSET = 4984;
}
