package io.jxen.hypercall.abi;

/**
 * vcpu.h: {@code VCPUOP_*} and {@code struct vcpu_register_vcpu_info}. Move to jxen-abi.
 */
public final class VcpuAbi {

    /** {@code VCPUOP_initialise}. */
    public static final int INITIALISE = 0;
    /** {@code VCPUOP_up}. */
    public static final int UP = 1;
    /** {@code VCPUOP_down}. */
    public static final int DOWN = 2;
    /** {@code VCPUOP_is_up}. */
    public static final int IS_UP = 3;
    /** {@code VCPUOP_register_vcpu_info}. */
    public static final int REGISTER_VCPU_INFO = 10;

    /** {@code struct vcpu_register_vcpu_info.mfn} (a GFN for translated guests). */
    public static final int REGISTER_VCPU_INFO_MFN = 0;
    /** {@code .offset}. */
    public static final int REGISTER_VCPU_INFO_OFFSET = 8;
    /** {@code .rsvd}. */
    public static final int REGISTER_VCPU_INFO_RSVD = 12;
    /** {@code sizeof(struct vcpu_register_vcpu_info)}. */
    public static final int REGISTER_VCPU_INFO_SIZE = 16;

    private VcpuAbi() {
    }
}
