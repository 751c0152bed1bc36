package io.jxen.hv.time.timer;

/**
 * What {@code VCPUOP_set_singleshot_timer} does with a deadline already in the past; chosen
 * per host.
 */
public enum SingleshotPolicy {
    /**
     * Xen up to 4.17 (xen/common/domain.c at RELEASE-4.17.0): with
     * {@code VCPU_SSHOTTMR_future} set, a past deadline fails with {@code -ETIME}; without it
     * the timer is armed and fires at once.
     */
    XEN_4_17,
    /**
     * Xen 4.18 and later (commit 19c6cbd909, "xen/vcpu: ignore VCPU_SSHOTTMR_future"): the
     * flag is ignored; a past deadline stops the timer, sends the timer event at once and
     * returns 0.
     */
    XEN_4_18
}
