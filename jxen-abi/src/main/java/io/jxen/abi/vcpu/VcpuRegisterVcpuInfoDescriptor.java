package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_register_vcpu_info} of vcpu.h: argument of {@code VCPUOP_register_vcpu_info}.
 */
public final class VcpuRegisterVcpuInfoDescriptor {

    /** Offset of {@code mfn}: frame to place the {@code vcpu_info} in (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "mfn")
    public static final int MFN_OFFSET = 0;

    /** Offset of {@code offset}: offset within that frame (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "offset")
    public static final int OFFSET_OFFSET = 8;

    /** Offset of {@code rsvd}: unused (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_register_vcpu_info", member = "rsvd")
    public static final int RSVD_OFFSET = 12;

    /** Bytes in {@code struct vcpu_register_vcpu_info} (vcpu.h). */
    @XenSizeof("struct vcpu_register_vcpu_info")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct vcpu_register_vcpu_info}: where a view of it may start
     * (vcpu.h).
     */
    @XenConstant(value = "_Alignof(struct vcpu_register_vcpu_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuRegisterVcpuInfoDescriptor() {
    }
}
