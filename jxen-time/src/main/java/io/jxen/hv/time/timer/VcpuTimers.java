package io.jxen.hv.time.timer;

import io.jxen.abi.XenErrno;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;

import java.util.Objects;

/**
 * One vCPU's timers as the hypercalls see them: the single-shot timer
 * ({@code VCPUOP_set_singleshot_timer}/{@code stop_singleshot_timer}, and the older
 * {@code HYPERVISOR_set_timer_op}) and the periodic timer ({@code VCPUOP_set_periodic_timer}/
 * {@code stop_periodic_timer}, and the legacy 100 Hz tick PV vCPUs start with). Both deliver
 * {@code VIRQ_TIMER} through the {@link TimerInterruptSink}.
 *
 * <p>Methods take the decoded hypercall arguments and return 0 or a negative Xen errno, as
 * the hypercall returns it. The checks Xen makes before reaching these (the caller is the
 * target vCPU for the single-shot ops, {@code copy_from_guest} faults) belong to the
 * hypercall layer.
 *
 * <p>Thread-safe. The sink is always called with no lock of this class held, so a
 * hypervisor that calls these methods under its own lock cannot deadlock with the timer
 * agent delivering an event.
 */
public final class VcpuTimers {

    /** Shortest periodic timer a guest may ask for: {@code MILLISECS(1)} (xen/common/domain.c). */
    public static final long MIN_PERIOD_NS = 1_000_000L;
    /** {@code STIME_DELTA_MAX}, {@code ~0ULL >> 2} (xen/include/xen/time.h). */
    public static final long STIME_DELTA_MAX = -1L >>> 2;
    /** The legacy tick of a new PV vCPU: {@code MILLISECS(10)} (xen/arch/x86/pv/domain.c). */
    public static final long PV_DEFAULT_PERIOD_NS = 10_000_000L;
    /** Where {@code set_timer_op} puts an absurd timeout: now + {@code MILLISECS(100)}. */
    public static final long SET_TIMER_OP_FALLBACK_NS = 100_000_000L;

    private final int vcpuId;
    private final TimerQueue queue;
    private final TimerInterruptSink sink;
    private final SingleshotPolicy policy;
    private final TimerQueue.Timer singleshot;
    private final TimerQueue.Timer periodic;
    private long periodNs;
    private long periodicLastEvent;
    private long eventsSent;

    /**
     * @param vcpuId  the vCPU's id, passed to the sink
     * @param queue   the timer agent
     * @param sink    where {@code VIRQ_TIMER} goes
     * @param policy  the host's single-shot behaviour
     * @param pv      a PV vCPU, which starts with the 100 Hz tick (HVM vCPUs start with none)
     */
    public VcpuTimers(int vcpuId, TimerQueue queue, TimerInterruptSink sink, SingleshotPolicy policy, boolean pv) {
        this.vcpuId = vcpuId;
        this.queue = Objects.requireNonNull(queue, "queue");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.singleshot = queue.newTimer("vcpu" + vcpuId + "-singleshot", this::singleshotFired);
        this.periodic = queue.newTimer("vcpu" + vcpuId + "-periodic", this::periodicFired);
        if (pv) {
            // pv_vcpu_initialise sets periodic_period only; the timer is first armed when the
            // vCPU is scheduled (vcpu_periodic_timer_work on context switch).
            this.periodNs = PV_DEFAULT_PERIOD_NS;
        }
    }

    /**
     * {@code VCPUOP_set_singleshot_timer}.
     *
     * @param timeoutAbsNs the deadline in system time, unsigned ({@code uint64_t timeout_abs_ns})
     * @param flags        {@code VCPU_SSHOTTMR_*}
     * @return 0, or {@code -ETIME} (4.17 policy, future flag, past deadline)
     */
    public int setSingleshotTimer(long timeoutAbsNs, int flags) {
        synchronized (this) {
            long now = queue.now();
            // C compares the uint64_t timeout with the s_time_t NOW() as unsigned.
            boolean past = Long.compareUnsigned(timeoutAbsNs, now) < 0;
            if (policy == SingleshotPolicy.XEN_4_18) {
                if (past) {
                    singleshot.stop();
                    eventsSent++;
                } else {
                    singleshot.set(timeoutAbsNs < 0 ? now : timeoutAbsNs);
                    return 0;
                }
            } else if ((flags & VcpuSingleshotFlags.FUTURE) != 0 && past) {
                return -XenErrno.ETIME;
            } else {
                // set_timer takes an s_time_t: a deadline at or above 2^63 is negative there,
                // i.e. already due.
                singleshot.set(timeoutAbsNs < 0 ? now : timeoutAbsNs);
                return 0;
            }
        }
        sink.sendTimerEvent(vcpuId); // 4.18+: the event for a past deadline, outside the lock
        return 0;
    }

    /** {@code VCPUOP_stop_singleshot_timer}: always 0. */
    public synchronized int stopSingleshotTimer() {
        singleshot.stop();
        return 0;
    }

    /**
     * {@code HYPERVISOR_set_timer_op} (xen/common/sched/core.c {@code do_set_timer_op}):
     * 0 cancels; a negative timeout, or one more than 2^50 ns ahead ("Linux workaround" for
     * jiffy wrap), fires in 100 ms; otherwise arms the single-shot timer. Always returns 0.
     */
    public synchronized int setTimerOp(long timeoutNs) {
        long now = queue.now();
        long offset = timeoutNs - now;
        if (timeoutNs == 0) {
            singleshot.stop();
        } else if (timeoutNs < 0 || (offset > 0 && (int) (offset >>> 50) != 0)) {
            singleshot.set(now + SET_TIMER_OP_FALLBACK_NS);
        } else {
            singleshot.set(timeoutNs);
        }
        return 0;
    }

    /**
     * {@code VCPUOP_set_periodic_timer}.
     *
     * @param periodNs unsigned {@code period_ns}
     * @return 0, or {@code -EINVAL} for a period under 1 ms or above {@code STIME_DELTA_MAX}
     */
    public int setPeriodicTimer(long periodNs) {
        if (Long.compareUnsigned(periodNs, MIN_PERIOD_NS) < 0
                || Long.compareUnsigned(periodNs, STIME_DELTA_MAX) > 0) {
            return -XenErrno.EINVAL;
        }
        boolean send;
        synchronized (this) {
            send = setPeriod(periodNs);
        }
        sendIf(send);
        return 0;
    }

    /** {@code VCPUOP_stop_periodic_timer}: stops the periodic timer, the legacy tick included; 0. */
    public synchronized int stopPeriodicTimer() {
        setPeriod(0);
        return 0;
    }

    /**
     * The vCPU is descheduled: its periodic timer stops (Xen stops {@code periodic_timer} when
     * switching away); the single-shot timer keeps running.
     */
    public synchronized void onDeschedule() {
        periodic.stop();
    }

    /** The vCPU runs again: {@code vcpu_periodic_timer_work}, which may send a late tick at once. */
    public void onReschedule() {
        boolean send = false;
        synchronized (this) {
            if (periodNs != 0) {
                send = periodicWork();
            }
        }
        sendIf(send);
    }

    /** The current period, 0 when stopped. */
    public synchronized long periodNs() {
        return periodNs;
    }

    /** Whether the single-shot timer is armed. */
    public boolean singleshotArmed() {
        return singleshot.active();
    }

    /** Timer events sent so far. */
    public synchronized long eventsSent() {
        return eventsSent;
    }

    /** The vCPU is destroyed: both timers stop. */
    public synchronized void kill() {
        singleshot.stop();
        periodic.stop();
        periodNs = 0;
    }

    // vcpu_set_periodic_timer (xen/common/sched/core.c). Returns whether to send an event.
    private boolean setPeriod(long value) {
        periodic.stop();
        periodNs = value;
        // Armed even if the target vCPU is not running, as Xen does.
        return value != 0 && periodicWork();
    }

    // vcpu_periodic_timer_work_locked: a tick is due if a whole period passed since the last
    // one; missed periods collapse into one (last = now, not last + period). Returns whether
    // to send an event; the caller sends it after dropping the lock.
    private boolean periodicWork() {
        long now = queue.now();
        long next = periodicLastEvent + periodNs;
        boolean send = false;
        if (now >= next) {
            eventsSent++;
            send = true;
            periodicLastEvent = now;
            next = now + periodNs;
        }
        periodic.set(next);
        return send;
    }

    private void singleshotFired() {
        synchronized (this) {
            eventsSent++;
        }
        sink.sendTimerEvent(vcpuId);
    }

    private void periodicFired() {
        boolean send;
        synchronized (this) {
            send = periodNs != 0 && periodicWork(); // vcpu_periodic_timer_fn
        }
        sendIf(send);
    }

    private void sendIf(boolean send) {
        if (send) {
            sink.sendTimerEvent(vcpuId);
        }
    }
}
