package io.jxen.hv.time;

import io.jxen.abi.XenErrno;
import io.jxen.abi.hvm.HvmParam;
import io.jxen.hv.time.hpet.Hpet;
import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.platform.PmTimer;
import io.jxen.hv.time.platform.RtcCalendar;
import io.jxen.hv.time.platform.RtcPeriodic;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PlatformTime;
import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.hv.time.vpt.VcpuKicker;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * An HVM/PVH domain's emulated platform timers as its vCPUs reach them: the port and MMIO
 * dispatch Xen does in {@code hvm_io_intercept} (PIT at 0x40-0x43 and 0x61, RTC at 0x70/0x71,
 * the PM1a block and PM timer, the HPET window at 0xfed00000), the timer-related
 * {@code HVM_PARAM_*}s, and interrupt acceptance.
 *
 * <p>jxen has no virtual PIC, IO-APIC or LAPIC. What a vCPU gets instead is what Xen's VM entry
 * and exit do for timer interrupts: {@link #acknowledgeInterrupt(int)} is one VM entry
 * ({@code pt_update_irq}: the most overdue tick raises its line) followed by the guest
 * accepting the highest-priority latched line ({@code pt_intr_post}). Lines are latched by a
 * raising edge and are cleared by that acceptance; lower IRQ numbers win, as on the 8259.
 * ISA IRQ {@code n} is reported as {@code n}; HPET timers routed to the IO-APIC report their GSI
 * (20-23, so the two never collide).
 */
public final class HvmPlatform {

    /** ISA IRQs and the HPET's GSIs fit below this. */
    private static final int LINES = 32;

    private final PlatformTime platform;
    private final Pit pit;
    private final Hpet hpet;
    private final RtcPeriodic rtc;
    private final PmTimer pmTimer;
    private final Latch latch;

    // The virtual interrupt controllers, reduced to one latch per line (guarded by the
    // platform-time lock, under which IrqLine is always called).
    private static final class Latch implements IrqLine {
        private final IrqLine observer;
        private final boolean[] high = new boolean[LINES];
        private final IrqSource[] source = new IrqSource[LINES];
        private long pending;

        Latch(IrqLine observer) {
            this.observer = observer;
        }

        @Override
        public void assertIrq(IrqSource src, int irq) {
            if (observer != null) {
                observer.assertIrq(src, irq);
            }
            if (irq < 0 || irq >= LINES) {
                return;
            }
            if (!high[irq]) {
                pending |= 1L << irq; // a raising edge
                source[irq] = src;
            }
            high[irq] = true;
        }

        @Override
        public void deassertIrq(IrqSource src, int irq) {
            if (observer != null) {
                observer.deassertIrq(src, irq);
            }
            if (irq >= 0 && irq < LINES) {
                high[irq] = false;
            }
        }

        @Override
        public boolean masked(IrqSource src, int irq) {
            return observer != null && observer.masked(src, irq);
        }

        int take() {
            if (pending == 0) {
                return -1;
            }
            int irq = Long.numberOfTrailingZeros(pending);
            pending &= ~(1L << irq);
            return irq;
        }
    }

    /**
     * Creates the platform timers (Xen's {@code hvm_domain_initialise}: {@code pit_init},
     * {@code hpet_init}, {@code rtc_init}, {@code pmtimer_init} with the version-1 ACPI ports).
     *
     * @param observer   also told of every line change (tests, diagnostics), or null
     * @param timeOffset told the domain's new wallclock offset (seconds) when the guest sets the
     *                   RTC ({@code rtc_set_time} → {@code update_domain_wallclock_time})
     */
    HvmPlatform(HostTime host, IrqLine observer, VcpuKicker kicker, int vcpus, LongConsumer timeOffset) {
        this.latch = new Latch(observer);
        this.platform = new PlatformTime(host.systemTime(), host.timers(), latch,
                Objects.requireNonNull(kicker, "kicker"), vcpus);
        TimerQueue queue = host.timers();
        this.pit = new Pit(platform);
        this.hpet = new Hpet(platform, latch, pit);
        this.rtc = new RtcPeriodic(platform, latch, queue, new RtcCalendar(
                () -> host.wallclock().wallAtBootNanos() + host.now(), timeOffset));
        this.pmTimer = new PmTimer(platform, queue, latch, PmTimer.PM1A_EVT_BLK_V1, 32);
    }

    /** Platform time (guest time, the policy, the channels). */
    public PlatformTime time() {
        return platform;
    }

    /** The HPET. */
    public Hpet hpet() {
        return hpet;
    }

    /** The PIT. */
    public Pit pit() {
        return pit;
    }

    /** The RTC. */
    public RtcPeriodic rtc() {
        return rtc;
    }

    /** The ACPI PM timer. */
    public PmTimer pmTimer() {
        return pmTimer;
    }

    /**
     * An {@code in} instruction of {@code size} bytes at {@code port}.
     *
     * @return the value, or all-ones in the low {@code size} bytes for a port no device claims
     *         (an ISA bus with nothing on it); -1 for a size other than 1, 2 or 4
     */
    public int portRead(int port, int size) {
        if (!validSize(size, 4)) {
            return -1;
        }
        int value;
        if (Pit.handles(port)) {
            value = pit.read(port, size);
        } else if (RtcPeriodic.handles(port)) {
            value = rtc.read(port);
        } else if (pmTimer.handles(port)) {
            value = pmTimer.read(port, size);
        } else {
            value = -1;
        }
        return size == 4 ? value : value & ((1 << (8 * size)) - 1);
    }

    /**
     * An {@code out} instruction; writes to ports no device claims are dropped.
     *
     * @return whether a device claimed the port
     */
    public boolean portWrite(int port, int size, int value) {
        if (!validSize(size, 4)) {
            return false;
        }
        if (Pit.handles(port)) {
            pit.write(port, size, value);
        } else if (RtcPeriodic.handles(port)) {
            rtc.write(port, value);
        } else if (pmTimer.handles(port)) {
            pmTimer.write(port, size, value);
        } else {
            return false;
        }
        return true;
    }

    /**
     * A load of {@code size} bytes at guest-physical {@code gpa}.
     *
     * @return the value, or all-ones outside every emulated window
     */
    public long mmioRead(long gpa, int size) {
        if (!validSize(size, 8)) {
            return -1L;
        }
        return Hpet.inRange(gpa) ? hpet.read(gpa, size) : -1L >>> (64 - 8 * size);
    }

    /**
     * A store of {@code size} bytes at guest-physical {@code gpa}.
     *
     * @return whether a device claimed the address
     */
    public boolean mmioWrite(long gpa, int size, long value) {
        if (!validSize(size, 8)) {
            return false;
        }
        if (!Hpet.inRange(gpa)) {
            return false;
        }
        hpet.write(gpa, size, value);
        return true;
    }

    /**
     * vCPU {@code vcpu} enters the guest and takes one interrupt: {@code pt_update_irq}, then the
     * highest-priority latched line is accepted and, if it was a platform timer's tick,
     * {@code pt_intr_post} counts it delivered (policy bookkeeping, guest-time step, the
     * device's callback).
     *
     * @return the IRQ taken, or -1 if none is pending for this vCPU
     */
    public int acknowledgeInterrupt(int vcpu) {
        var v = platform.vcpu(vcpu);
        v.updateIrq();
        int irq;
        IrqSource source;
        synchronized (platform) {
            // The platform timers all target vCPU 0 (pt_global_vcpu_target); so do the lines.
            if (vcpu != platform.globalTarget().id()) {
                return -1;
            }
            irq = latch.take();
            if (irq < 0) {
                return -1;
            }
            source = latch.source[irq];
        }
        v.intrPost(source, irq);
        return irq;
    }

    /**
     * {@code HVMOP_set_param} for the parameters the platform timers own.
     *
     * @return 0, {@code -EINVAL} for a bad value, or {@code -ENOENT} when {@code index} is not
     *         one of them (the caller handles it)
     */
    public int setParam(int index, long value) {
        switch (index) {
            case HvmParam.TIMER_MODE:
                return platform.setTimerModeParam(value);
            case HvmParam.HPET_ENABLED:
                if (value != 0 && value != 1) {
                    return -XenErrno.EINVAL;
                }
                hpet.setEnabledParam(value == 1);
                hpetEnabled = value;
                return 0;
            default:
                return -XenErrno.ENOENT;
        }
    }

    private volatile long hpetEnabled = 1;

    /**
     * {@code HVMOP_get_param} for the parameters the platform timers own.
     *
     * @return the value, or -1 if {@code index} is not one of them
     */
    public long getParam(int index) {
        return switch (index) {
            case HvmParam.TIMER_MODE -> platform.mode().param();
            case HvmParam.HPET_ENABLED -> hpetEnabled;
            default -> -1;
        };
    }

    /** Whether {@code index} is a parameter the platform timers own. */
    public static boolean ownsParam(int index) {
        return index == HvmParam.TIMER_MODE || index == HvmParam.HPET_ENABLED;
    }

    /**
     * A platform timer state record (the timer part of Xen's HVM save image,
     * {@code XEN_DOMCTL_gethvmcontext}): the missed-tick policy, the HPET
     * ({@code struct hvm_hw_hpet}) and the RTC's offset from the host's wall time. Not in it yet:
     * the PIT channels, the PM timer's status/enable bits, the RTC's registers A-D.
     */
    public record State(TimerMode mode, Hpet.State hpet, long rtcOffsetSeconds) {
    }

    /** Saves the platform timers' state. */
    public State save() {
        return new State(platform.mode(), hpet.save(), rtc.calendar().offsetSeconds());
    }

    /**
     * Restores a saved state into this (fresh) domain ({@code XEN_DOMCTL_sethvmcontext}): the
     * HPET counter continues from its saved value on this domain's guest time, its enabled
     * timers restart, the policy and the RTC's time carry over.
     */
    public void restore(State state) {
        platform.setMode(state.mode());
        hpet.load(state.hpet());
        rtc.restoreOffset(state.rtcOffsetSeconds());
    }

    /** The timer mode. */
    public TimerMode mode() {
        return platform.mode();
    }

    void close() {
        hpet.reset();
        pit.stopChannel0Irq();
        rtc.close();
        pmTimer.close();
    }

    // x86 port I/O is 1, 2 or 4 bytes, a load or store 1 to 8; anything else a guest asks for
    // reads all-ones and writes nothing.
    private static boolean validSize(int size, int max) {
        return (size == 1 || size == 2 || size == 4 || size == 8) && size <= max;
    }
}
