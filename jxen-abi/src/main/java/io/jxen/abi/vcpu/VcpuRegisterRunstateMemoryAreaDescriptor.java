package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_register_runstate_memory_area} of vcpu.h (x86_64): argument of {@code VCPUOP_register_runstate_memory_area}.
 */
public final class VcpuRegisterRunstateMemoryAreaDescriptor {

    /** Offset of {@code addr}: guest virtual address (handle) of the area (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_register_runstate_memory_area", member = "addr")
    public static final int ADDR_OFFSET = 0;

    /** Bytes in {@code struct vcpu_register_runstate_memory_area} (vcpu.h). */
    @XenSizeof("struct vcpu_register_runstate_memory_area")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct vcpu_register_runstate_memory_area}: where a view of it may
     * start (vcpu.h).
     */
    @XenConstant(value = "_Alignof(struct vcpu_register_runstate_memory_area)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuRegisterRunstateMemoryAreaDescriptor() {
    }
}
