package io.jxen.hv.domain;

/**
 * What jxen keeps of a PV {@code struct vcpu_guest_context} (VCPUOP_initialise): the fields a
 * Java guest gives meaning to. The entry point and stack are opaque values the guest's own
 * code interprets (there is no instruction pointer to load); {@code flags} are the
 * {@code VGCF_*} bits. The layout is {@link io.jxen.abi.xen.VcpuGuestContextDescriptor}.
 *
 * @param flags       {@code vcpu_guest_context.flags}
 * @param entryPoint  {@code user_regs.rip}
 * @param stack       {@code user_regs.rsp}
 * @param kernelSp    {@code kernel_sp}
 * @param cr3         {@code ctrlreg[3]}
 */
public record VcpuContext(long flags, long entryPoint, long stack, long kernelSp, long cr3) {

}
