package io.jxen.hv.time.timer;

/**
 * Where a vCPU's timer events go: the hypervisor sends {@code VIRQ_TIMER} to the vCPU
 * (Xen's {@code send_timer_event}, which is {@code send_guest_vcpu_virq(v, VIRQ_TIMER)}).
 * Called from the timer agent's thread, or from a hypercall's thread when a timer is set in
 * the past; implementations must be thread-safe and must not call back into the timers.
 */
@FunctionalInterface
public interface TimerInterruptSink {

    /** Raises {@code VIRQ_TIMER} on vCPU {@code vcpuId} of the domain the timers belong to. */
    void sendTimerEvent(int vcpuId);
}
