package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_register_time_memory_area} of vcpu.h (x86_64): argument of {@code VCPUOP_register_vcpu_time_memory_area}.
 */
public final class VcpuRegisterTimeMemoryAreaDescriptor {

    /** Offset of {@code addr}: address (handle) of the secondary {@code vcpu_time_info} (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_register_time_memory_area", member = "addr")
    public static final int ADDR_OFFSET = 0;

    /** Bytes in {@code struct vcpu_register_time_memory_area} (vcpu.h). */
    @XenSizeof("struct vcpu_register_time_memory_area")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct vcpu_register_time_memory_area}: where a view of it may
     * start (vcpu.h).
     */
    @XenConstant(value = "_Alignof(struct vcpu_register_time_memory_area)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuRegisterTimeMemoryAreaDescriptor() {
    }
}
