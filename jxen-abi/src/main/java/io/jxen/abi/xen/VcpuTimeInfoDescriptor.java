package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_time_info} of xen.h: the pvclock tuple, 32 bytes, published by Xen under a
 * seqlock on {@code version} (odd while an update is in progress).
 *
 * <pre>
 *   0         4         8                  16                 24                28    29    30     32
 *   +---------+---------+------------------+------------------+-------------------+-----+-----+------+
 *   | version | pad0    | tsc_timestamp    | system_time (ns) | tsc_to_system_mul |shift|flags| pad1 |
 *   +---------+---------+------------------+------------------+-------------------+-----+-----+------+
 * </pre>
 *
 * <p>{@code now = system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)},
 * shifting right when {@code tsc_shift} is negative.
 */
public final class VcpuTimeInfoDescriptor {

    /** Offset of {@code version}: seqlock counter: odd while Xen updates the tuple (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "version")
    public static final int VERSION_OFFSET = 0;

    /** Offset of {@code pad0}: padding (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "pad0")
    public static final int PAD0_OFFSET = 4;

    /** Offset of {@code tsc_timestamp}: TSC at the last update (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "tsc_timestamp")
    public static final int TSC_TIMESTAMP_OFFSET = 8;

    /** Offset of {@code system_time}: nanoseconds since boot at {@code tsc_timestamp} (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "system_time")
    public static final int SYSTEM_TIME_OFFSET = 16;

    /**
     * Offset of {@code tsc_to_system_mul}: 32.32 fixed-point multiplier from shifted TSC ticks to
     * nanoseconds (xen.h).
     */
    @XenOffsetof(type = "struct vcpu_time_info", member = "tsc_to_system_mul")
    public static final int TSC_TO_SYSTEM_MUL_OFFSET = 24;

    /** Offset of {@code tsc_shift}: signed shift applied to the TSC delta first (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "tsc_shift")
    public static final int TSC_SHIFT_OFFSET = 28;

    /** Offset of {@code flags}: {@code XEN_PVCLOCK_*} bits; see {@link PvClockFlags} (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "flags")
    public static final int FLAGS_OFFSET = 29;

    /** Offset of {@code pad1}: padding (xen.h). */
    @XenOffsetof(type = "struct vcpu_time_info", member = "pad1")
    public static final int PAD1_OFFSET = 30;

    /** Bytes in {@code struct vcpu_time_info} (xen.h). */
    @XenSizeof("struct vcpu_time_info")
    public static final int SIZE = 32;

    /** The C alignment of {@code struct vcpu_time_info}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct vcpu_time_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private VcpuTimeInfoDescriptor() {
    }
}
