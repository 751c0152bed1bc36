package io.jxen.hv.time;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.clock.TscModel;
import io.jxen.hv.time.clock.Wallclock;
import io.jxen.hv.time.clock.PvClockRefresher;
import io.jxen.hv.time.timer.TimerInterruptSink;
import io.jxen.hv.time.timer.SingleshotPolicy;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;

import java.util.List;
import java.util.Objects;

/**
 * The host's time, the one object the hypervisor creates: system time from the injected
 * clock, the host TSC, the wallclock, the timer agent and the pvclock refresher, and the
 * host-wide single-shot policy. Domains get their part from {@link #createDomain}.
 *
 * <p>The hypervisor runs {@link #agents()} (threaded in real mode, stepped in simulation).
 */
public final class HostTime {

    private final SystemTime systemTime;
    private final TscModel tsc;
    private final Wallclock wallclock;
    private final TimerQueue timers;
    private final PvClockRefresher refresher;
    private final SingleshotPolicy singleshotPolicy;

    /**
     * @param clock            the only source of time
     * @param tsc              the host TSC (frequency, and whether it is the clocksource)
     * @param singleshotPolicy Xen 4.17's or 4.18+'s treatment of past single-shot deadlines
     */
    public HostTime(Clock clock, TscModel tsc, SingleshotPolicy singleshotPolicy) {
        this.systemTime = new SystemTime(clock);
        this.tsc = Objects.requireNonNull(tsc, "tsc");
        this.wallclock = new Wallclock(systemTime);
        this.timers = new TimerQueue(systemTime, "timers");
        this.refresher = new PvClockRefresher(systemTime, PvClockRefresher.DEFAULT_PERIOD_NS);
        this.singleshotPolicy = Objects.requireNonNull(singleshotPolicy, "singleshotPolicy");
    }

    /** A 2.5 GHz stable TSC and Xen 4.17 behaviour. */
    public HostTime(Clock clock) {
        this(clock, new TscModel(2_500_000_000L, true), SingleshotPolicy.XEN_4_17);
    }

    /**
     * A domain's time.
     *
     * @param vcpus number of vCPUs
     * @param pv    a PV domain (its vCPUs start with the 100 Hz tick)
     * @param sink  where the domain's {@code VIRQ_TIMER}s go
     */
    public DomainTime createDomain(int vcpus, boolean pv, TimerInterruptSink sink) {
        return new DomainTime(this, vcpus, pv, sink);
    }

    /** {@code NOW()}: nanoseconds since the host booted. */
    public long now() {
        return systemTime.now();
    }

    /** Xen's {@code do_settime} ({@code XENPF_settime}); every attached domain sees it. */
    public void settime(long secs, int nsecs, long systemTimeBase) {
        wallclock.settime(secs, nsecs, systemTimeBase);
    }

    /** The agents to run: the timer queue and the pvclock refresher. */
    public List<Agent> agents() {
        return List.of(timers, refresher);
    }

    /** System time. */
    public SystemTime systemTime() {
        return systemTime;
    }

    /** The host TSC. */
    public TscModel tsc() {
        return tsc;
    }

    /** The wallclock. */
    public Wallclock wallclock() {
        return wallclock;
    }

    /** The timer agent. */
    public TimerQueue timers() {
        return timers;
    }

    /** The pvclock refresher agent. */
    public PvClockRefresher refresher() {
        return refresher;
    }

    /** The host-wide single-shot policy. */
    public SingleshotPolicy singleshotPolicy() {
        return singleshotPolicy;
    }
}
