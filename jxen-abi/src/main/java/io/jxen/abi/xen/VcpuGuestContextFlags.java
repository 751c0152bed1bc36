package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/** Bits of {@code vcpu_guest_context.flags} (arch-x86/xen.h {@code VGCF_*}). */
public final class VcpuGuestContextFlags {

    /** The vCPU starts in kernel mode: {@code VGCF_in_kernel} (arch-x86/xen.h). */
    @XenConstant("VGCF_in_kernel")
    public static final long IN_KERNEL = 1L << 2;

    /** The vCPU is online once its context is set: {@code VGCF_online} (arch-x86/xen.h). */
    @XenConstant("VGCF_online")
    public static final long ONLINE = 1L << 5;

    private VcpuGuestContextFlags() {
    }
}
