package io.jxen.hv.timekeeping;

/**
 * A vCPU's hypercall timers (jxen-time's {@code VcpuTimers}): each returns 0 or a negative Xen
 * errno. Argument checks that need the caller (which vCPU asks) are the hypervisor's; the
 * checks on values (period bounds, past deadlines) are the implementation's.
 */
public interface VcpuTimerControl {

    /** {@code VCPUOP_set_singleshot_timer}: 0, or {@code -ETIME} (4.17 policy, future flag, past deadline). */
    int setSingleshotTimer(long timeoutAbsNs, int flags);

    /** {@code VCPUOP_stop_singleshot_timer}. */
    int stopSingleshotTimer();

    /** {@code VCPUOP_set_periodic_timer}: 0, or {@code -EINVAL} under 1 ms or above {@code STIME_DELTA_MAX}. */
    int setPeriodicTimer(long periodNs);

    /** {@code VCPUOP_stop_periodic_timer} (the legacy tick included). */
    int stopPeriodicTimer();

    /** {@code __HYPERVISOR_set_timer_op}. */
    int setTimerOp(long timeoutNs);
}
