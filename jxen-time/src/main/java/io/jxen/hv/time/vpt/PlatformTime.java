package io.jxen.hv.time.vpt;

import io.jxen.abi.XenErrno;
import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.timer.TimerQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A domain's platform time, Xen's {@code struct pl_time} with the vpt core of
 * xen/arch/x86/hvm/vpt.c: guest time (host system time plus a domain offset, kept
 * non-decreasing, plus a per-vCPU offset), the missed-tick policy, and the creation of
 * {@link PeriodicTime} channels for the HPET, PIT and RTC.
 *
 * <p>Locking: one lock per domain, this object's monitor, guards guest time, every
 * {@link PeriodicTime} and the emulated devices built on them (Xen has a lock per device and
 * per vCPU timer list; one lock is simpler and the devices are not hot). {@link IrqLine} may
 * be called with it held; {@link VcpuKicker} never is.
 */
public final class PlatformTime {

    /** Shortest period a channel may run at: 100 µs ({@code create_periodic_time}). */
    public static final long MIN_PERIOD_NS = 100_000L;

    private final SystemTime systemTime;
    private final TimerQueue queue;
    private final IrqLine irqLine;
    private final VcpuKicker kicker;
    private final VcpuPlatformTime[] vcpus;
    private final long stimeOffset;
    private long lastGuestTime;
    private TimerMode mode = TimerMode.DELAY_FOR_MISSED_TICKS;
    private boolean guestTimeCorrection = true;

    /**
     * Xen's {@code hvm_init_guest_time}: guest time starts at 0 now.
     *
     * @param systemTime host system time
     * @param queue      the timer agent the channels' alarms run on
     * @param irqLine    the virtual interrupt controllers
     * @param kicker     wakes a vCPU that has a tick pending
     * @param vcpuCount  the domain's vCPUs
     */
    public PlatformTime(SystemTime systemTime, TimerQueue queue, IrqLine irqLine, VcpuKicker kicker, int vcpuCount) {
        this.systemTime = Objects.requireNonNull(systemTime, "systemTime");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.irqLine = Objects.requireNonNull(irqLine, "irqLine");
        this.kicker = Objects.requireNonNull(kicker, "kicker");
        if (vcpuCount <= 0) {
            throw new IllegalArgumentException("a domain has at least one vCPU: " + vcpuCount);
        }
        this.vcpus = new VcpuPlatformTime[vcpuCount];
        for (int i = 0; i < vcpuCount; i++) {
            vcpus[i] = new VcpuPlatformTime(this, i);
        }
        this.stimeOffset = -systemTime.now();
    }

    /** vCPU {@code id}'s side. */
    public VcpuPlatformTime vcpu(int id) {
        return vcpus[id];
    }

    /** Number of vCPUs. */
    public int vcpuCount() {
        return vcpus.length;
    }

    /** The vCPU the platform timers (PIT, RTC, HPET, PM timer) deliver to: {@code pt_global_vcpu_target}, vCPU 0. */
    public VcpuPlatformTime globalTarget() {
        return vcpus[0];
    }

    /** The missed-tick policy. */
    public synchronized TimerMode mode() {
        return mode;
    }

    /** Sets the missed-tick policy. */
    public synchronized void setMode(TimerMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /**
     * {@code HVMOP_set_param(HVM_PARAM_TIMER_MODE, value)}.
     *
     * @return 0, or {@code -EINVAL} for a value that is no {@code HVMPTM_*}
     */
    public int setTimerModeParam(long value) {
        if (value < 0 || value > TimerMode.ONE_MISSED_TICK_PENDING.param()) {
            return -XenErrno.EINVAL;
        }
        setMode(TimerMode.ofParam(value));
        return 0;
    }

    /**
     * Test-only switch: with {@code false}, {@code pt_freeze_time}/{@code pt_thaw_time} and
     * the post-delivery step of guest time in {@code pt_irq_fired} are skipped, reproducing
     * the known drift between tick-counting and counter-reading guests. Never turn it off in
     * production.
     */
    public synchronized void setGuestTimeCorrectionForTest(boolean enabled) {
        this.guestTimeCorrection = enabled;
    }

    boolean correctsGuestTime() {
        return guestTimeCorrection && mode == TimerMode.DELAY_FOR_MISSED_TICKS;
    }

    /** Host system time now. */
    public long hostNow() {
        return systemTime.now();
    }

    /**
     * {@code hvm_get_guest_time}: the domain part is kept non-decreasing (Xen's
     * {@code last_guest_time}; Xen HEAD makes it strictly increasing with {@code ++}, which
     * under a virtual clock would make repeated reads creep forward, so this is the
     * non-decreasing variant Xen used up to 4.x), then the vCPU's offset is added.
     */
    synchronized long guestTime(VcpuPlatformTime v) {
        long now = systemTime.now() + stimeOffset;
        if (now - lastGuestTime >= 0) {
            lastGuestTime = now;
        } else {
            now = lastGuestTime;
        }
        return now + v.stimeOffset;
    }

    /**
     * {@code create_periodic_time}: (re)starts {@code pt} on vCPU {@code v}: first tick
     * {@code deltaNs} from now, then every {@code periodNs} (0 = one-shot; a period under
     * 100 µs is raised to 100 µs).
     *
     * @param level level-triggered; only one-shot channels may be
     */
    public synchronized void create(PeriodicTime pt, VcpuPlatformTime v, long deltaNs, long periodNs, int irq,
                                    PeriodicTime.Callback callback, boolean level) {
        if (level && periodNs != 0) {
            throw new IllegalArgumentException("a level-triggered channel cannot be periodic: " + pt.name);
        }
        destroy(pt);
        pt.pendingIntrNr = 0;
        pt.doNotFreeze = false;
        pt.irqIssued = false;
        if (periodNs != 0 && Long.compareUnsigned(periodNs, MIN_PERIOD_NS) < 0) {
            pt.warnedTooShort = true; // Xen warns once: "program too small period"
            periodNs = MIN_PERIOD_NS;
        }
        pt.period = periodNs;
        pt.vcpu = v;
        pt.lastPlatformGuestTime = guestTime(v);
        pt.irq = irq;
        pt.oneShot = periodNs == 0;
        pt.level = level;
        pt.scheduled = systemTime.now() + deltaNs;
        pt.callback = callback;
        if (pt.timer == null) {
            pt.timer = queue.newTimer(pt.name, () -> timerFired(pt));
        }
        pt.timer.set(pt.scheduled);
        pt.onList = true;
        v.timers.addFirst(pt); // list_add: newest first, which decides ties in updateIrq
    }

    /** {@code destroy_periodic_time}: stops {@code pt}; safe on a channel never created. */
    public synchronized void destroy(PeriodicTime pt) {
        if (pt.vcpu == null) {
            return;
        }
        if (pt.onList) {
            pt.vcpu.timers.remove(pt);
        }
        pt.vcpu.suspended.remove(pt);
        pt.onList = false;
        if (pt.timer != null) {
            pt.timer.stop();
        }
    }

    /**
     * {@code pt_may_unmask_irq}: a line was unmasked; channels suspended while it was masked
     * and with ticks pending go back on their list ({@code pt_resume}).
     */
    public void mayUnmaskIrq() {
        List<Integer> kicks = new ArrayList<>();
        synchronized (this) {
            for (VcpuPlatformTime v : vcpus) {
                for (PeriodicTime pt : v.suspended) {
                    if (pt.pendingIntrNr != 0 && !pt.onList && pt.vcpu == v) {
                        pt.onList = true;
                        v.timers.addFirst(pt);
                        kicks.add(v.id);
                    }
                }
                v.suspended.clear();
            }
        }
        kicks.forEach(kicker::kick);
    }

    // pt_timer_fn: a tick fell due. The alarm is re-armed only once the backlog is delivered
    // (pt_irq_fired) or on reschedule (pt_restore_timer).
    private void timerFired(PeriodicTime pt) {
        int vcpu;
        synchronized (this) {
            if (!pt.onList && !pt.vcpu.suspended.contains(pt)) {
                return; // destroyed while the callback was on its way
            }
            pt.pendingIntrNr++;
            pt.scheduled += pt.period;
            pt.doNotFreeze = false;
            vcpu = pt.vcpu.id;
        }
        kicker.kick(vcpu);
    }

    // pt_process_missed_ticks.
    void processMissedTicks(PeriodicTime pt) {
        if (pt.oneShot) {
            return;
        }
        long missed = systemTime.now() - pt.scheduled;
        if (missed <= 0) {
            return;
        }
        missed = missed / pt.period + 1;
        if (mode == TimerMode.NO_MISSED_TICKS_PENDING) {
            pt.doNotFreeze = pt.pendingIntrNr == 0;
        } else {
            pt.pendingIntrNr += missed;
        }
        pt.scheduled += missed * pt.period;
    }

    IrqLine irqLine() {
        return irqLine;
    }
}
