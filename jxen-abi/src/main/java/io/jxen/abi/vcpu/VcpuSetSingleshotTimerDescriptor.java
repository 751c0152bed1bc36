package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_set_singleshot_timer} of vcpu.h (x86_64): argument of {@code VCPUOP_set_singleshot_timer}.
 */
public final class VcpuSetSingleshotTimerDescriptor {

    /** Offset of {@code timeout_abs_ns}: absolute system time of expiry, nanoseconds (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_set_singleshot_timer", member = "timeout_abs_ns")
    public static final int TIMEOUT_ABS_NS_OFFSET = 0;

    /** Offset of {@code flags}: {@code VCPU_SSHOTTMR_*} (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_set_singleshot_timer", member = "flags")
    public static final int FLAGS_OFFSET = 8;

    /** Bytes in {@code struct vcpu_set_singleshot_timer} (vcpu.h). */
    @XenSizeof("struct vcpu_set_singleshot_timer")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct vcpu_set_singleshot_timer}: where a view of it may start
     * (vcpu.h).
     */
    @XenConstant(value = "_Alignof(struct vcpu_set_singleshot_timer)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuSetSingleshotTimerDescriptor() {
    }
}
