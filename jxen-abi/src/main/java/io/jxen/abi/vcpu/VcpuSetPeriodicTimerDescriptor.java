package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_set_periodic_timer} of vcpu.h: argument of {@code VCPUOP_set_periodic_timer}.
 */
public final class VcpuSetPeriodicTimerDescriptor {

    /** Offset of {@code period_ns}: the period in nanoseconds (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_set_periodic_timer", member = "period_ns")
    public static final int PERIOD_NS_OFFSET = 0;

    /** Bytes in {@code struct vcpu_set_periodic_timer} (vcpu.h). */
    @XenSizeof("struct vcpu_set_periodic_timer")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct vcpu_set_periodic_timer}: where a view of it may start
     * (vcpu.h).
     */
    @XenConstant(value = "_Alignof(struct vcpu_set_periodic_timer)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuSetPeriodicTimerDescriptor() {
    }
}
