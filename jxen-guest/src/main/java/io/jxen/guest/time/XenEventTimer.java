package io.jxen.guest.time;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuSetSingleshotTimerDescriptor;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.GuestVcpu;
import io.jxen.guest.Scratch;
import io.jxen.guest.XenException;
import io.jxen.guest.intr.IrqHandler;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The Xen event timer (FreeBSD's {@code xentimer} eventtimer, sys/dev/xen/timer/xen_timer.c):
 * per-vCPU, one-shot through {@code VCPUOP_set_singleshot_timer} with
 * {@code VCPU_SSHOTTMR_future}, delivered on each vCPU's {@code VIRQ_TIMER} whose interrupt is
 * named {@code xen_et:c<N>}. A deadline that has passed by the time Xen sees it ({@code -ETIME})
 * is recomputed from the current time and retried, at most {@link #MAX_ETIME_RETRIES} times, then
 * the timer fails loudly. Periods under {@link #MIN_PERIOD_NS} are raised to it. A periodic
 * request is emulated by re-arming a one-shot from the interrupt, as the eventtimer framework
 * does for one-shot-only timers.
 */
public final class XenEventTimer {

    /** The timer's minimum period: 100 µs ({@code XENTIMER_MIN_PERIOD_IN_NSEC}). */
    public static final long MIN_PERIOD_NS = 100_000;
    /** Attempts to arm before giving up on repeated {@code -ETIME}. */
    public static final int MAX_ETIME_RETRIES = 60;

    private final GuestKernel kernel;
    private final XenTimecounter timecounter;
    private final int[] irqs;
    private final long[] periods;
    private final AtomicLong etimeRetries = new AtomicLong();
    private volatile IntConsumer callback = vcpu -> { };

    /**
     * Binds {@code VIRQ_TIMER} on every vCPU and stops the legacy periodic tick.
     *
     * @throws XenException if a VIRQ cannot be bound
     */
    XenEventTimer(GuestKernel kernel, XenTimecounter timecounter) {
        this.kernel = kernel;
        this.timecounter = timecounter;
        this.irqs = new int[kernel.vcpus()];
        this.periods = new long[kernel.vcpus()];
        for (int v = 0; v < irqs.length; v++) {
            int vcpu = v;
            // Xen 4.x gives PV vCPUs a 100 Hz tick until the guest stops it (FreeBSD does this at attach).
            kernel.vcpu(v).hypercalls().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_PERIODIC_TIMER, v, 0);
            irqs[v] = kernel.intr().bindVirq(name(v), Virq.TIMER, v, IrqHandler.filter(() -> fired(vcpu)));
        }
    }

    /** The interrupt name of vCPU {@code vcpu}'s timer. */
    public static String name(int vcpu) {
        return "xen_et:c" + vcpu;
    }

    /** Where expirations go ({@code et_event_cb}), called in the upcall with the vCPU number. */
    public void onEvent(IntConsumer cb) {
        this.callback = Objects.requireNonNull(cb);
    }

    /** The IRQ of vCPU {@code vcpu}'s timer. */
    public int irq(int vcpu) {
        return irqs[vcpu];
    }

    /** Number of per-vCPU timers (one per vCPU). */
    public int irqCount() {
        return irqs.length;
    }

    /** Times an arm attempt hit {@code -ETIME} and was retried. */
    public long etimeRetries() {
        return etimeRetries.get();
    }

    private void fired(int vcpu) {
        long period;
        synchronized (periods) {
            period = periods[vcpu];
        }
        if (period > 0) {
            arm(vcpu, period);
        }
        callback.accept(vcpu);
    }

    /**
     * Starts vCPU {@code vcpu}'s timer ({@code et_start}): first expiry after {@code firstNs},
     * then every {@code periodNs} if positive.
     *
     * @throws IllegalStateException if Xen answered {@code -ETIME} {@link #MAX_ETIME_RETRIES} times
     * @throws XenException          for any other failure
     */
    public void start(int vcpu, long firstNs, long periodNs) {
        synchronized (periods) {
            periods[vcpu] = periodNs > 0 ? Math.max(periodNs, MIN_PERIOD_NS) : 0;
        }
        arm(vcpu, firstNs);
    }

    /** A one-shot expiry after {@code firstNs}. */
    public void oneShot(int vcpu, long firstNs) {
        start(vcpu, firstNs, 0);
    }

    private void arm(int vcpu, long inNs) {
        long delta = Math.max(inNs, MIN_PERIOD_NS);
        GuestVcpu v = kernel.vcpu(vcpu);
        for (int attempt = 1; attempt <= MAX_ETIME_RETRIES; attempt++) {
            long deadline = timecounter.nanos(vcpu) + delta;
            long rc;
            try (Scratch s = v.scratch()) {
                s.putLong(VcpuSetSingleshotTimerDescriptor.TIMEOUT_ABS_NS_OFFSET, deadline)
                        .putInt(VcpuSetSingleshotTimerDescriptor.FLAGS_OFFSET, VcpuSingleshotFlags.FUTURE);
                rc = s.call3(Hypercall.VCPU_OP, VcpuOp.SET_SINGLESHOT_TIMER, vcpu);
            }
            if (rc == 0) {
                return;
            }
            if (rc != -XenErrno.ETIME) {
                throw new XenException("VCPUOP_set_singleshot_timer(vcpu " + vcpu + ", " + deadline + " ns)", rc);
            }
            etimeRetries.incrementAndGet();
        }
        throw new IllegalStateException("xen_et:c" + vcpu + ": cannot schedule the timer: Xen answered -ETIME "
                + MAX_ETIME_RETRIES + " times in a row");
    }

    /**
     * Stops vCPU {@code vcpu}'s timer ({@code et_stop}).
     *
     * @throws XenException if Xen refuses
     */
    public void stop(int vcpu) {
        synchronized (periods) {
            periods[vcpu] = 0;
        }
        long rc = kernel.vcpu(vcpu).hypercalls().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_SINGLESHOT_TIMER, vcpu, 0);
        if (rc < 0) {
            throw new XenException("VCPUOP_stop_singleshot_timer(vcpu " + vcpu + ")", rc);
        }
    }
}
