package io.jxen.abi.vcpu;

import io.jxen.abi.XenConstant;

/**
 * Flags of {@code vcpu_set_singleshot_timer.flags} (vcpu.h {@code VCPU_SSHOTTMR_*}).
 */
public final class VcpuSingleshotFlags {

    /**
     * Fail with {@code -ETIME} if the timeout is already in the past: {@code VCPU_SSHOTTMR_future}
     * (vcpu.h).
     */
    @XenConstant("VCPU_SSHOTTMR_future")
    public static final int FUTURE = 1;

    private VcpuSingleshotFlags() {
    }
}
