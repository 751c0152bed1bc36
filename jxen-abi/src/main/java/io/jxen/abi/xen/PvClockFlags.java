package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Bits of {@code vcpu_time_info.flags} (xen.h {@code XEN_PVCLOCK_*}).
 */
public final class PvClockFlags {

    /**
     * The TSC is stable across vCPUs, so readings are monotonic:
     * {@code XEN_PVCLOCK_TSC_STABLE_BIT} (xen.h).
     */
    @XenConstant("XEN_PVCLOCK_TSC_STABLE_BIT")
    public static final int TSC_STABLE_BIT = 1;

    /** The guest was paused; watchdogs should not fire: {@code XEN_PVCLOCK_GUEST_STOPPED} (xen.h). */
    @XenConstant("XEN_PVCLOCK_GUEST_STOPPED")
    public static final int GUEST_STOPPED = 2;

    private PvClockFlags() {
    }
}
