package io.jxen.abi.vcpu;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_register_vcpu_info} of vcpu.h: argument of {@code VCPUOP_register_vcpu_info}.
 */
public final class VcpuRegisterVcpuInfoDescriptor {

    /** Offset of {@code mfn}: frame to place the {@code vcpu_info} in. */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "mfn")
    public static final int MFN_OFFSET = 0;

    /** Offset of {@code offset}: offset within that frame. */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "offset")
    public static final int OFFSET_OFFSET = 8;

    /** Offset of {@code rsvd}: unused. */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "rsvd")
    public static final int RSVD_OFFSET = 12;

    /** Bytes in {@code struct vcpu_register_vcpu_info}. */
    @XenSizeof("struct vcpu_register_vcpu_info")
    public static final int SIZE = 16;

    private VcpuRegisterVcpuInfoDescriptor() {
    }
}
