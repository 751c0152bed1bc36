package io.jxen.hv.time.hpet;

import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PeriodicTime;
import io.jxen.hv.time.vpt.PlatformTime;
import io.jxen.hv.time.vpt.VcpuPlatformTime;

import java.util.Objects;

import static io.jxen.hv.time.hpet.HpetRegisters.CAPABILITY;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG_ENABLE;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG_LEGACY;
import static io.jxen.hv.time.hpet.HpetRegisters.COUNTER;
import static io.jxen.hv.time.hpet.HpetRegisters.ID;
import static io.jxen.hv.time.hpet.HpetRegisters.MMAP_SIZE;
import static io.jxen.hv.time.hpet.HpetRegisters.STATUS;
import static io.jxen.hv.time.hpet.HpetRegisters.STIME_PER_HPET_TICK;
import static io.jxen.hv.time.hpet.HpetRegisters.TIMERS;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_32BIT;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_64BIT_CAP;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_ENABLE;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_INT_ROUTE_CAP_VAL;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_LEVEL;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_PERIODIC;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_PERIODIC_CAP;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_ROUTE;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_ROUTE_SHIFT;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_SETVAL;

/**
 * The virtual HPET of an HVM domain, as Xen's xen/arch/x86/hvm/hpet.c emulates it: a 64-bit
 * main counter at 62.5 MHz ({@code guest time / 16 + offset} while enabled), three comparators
 * with one-shot, periodic and 32-bit modes, LegacyReplacement routing (timer 0 → ISA IRQ 0,
 * timer 1 → ISA IRQ 8) and otherwise IO-APIC pins 20-23. Comparator alarms are
 * {@link PeriodicTime} channels on the domain's platform time, so every missed-tick policy
 * applies to them.
 *
 * <p>Guest accesses arrive through {@link #read(long, int)} and {@link #write(long, int, long)};
 * both take the domain's platform-time lock.
 */
public final class Hpet {

    /** Stops the PIT's channel-0 interrupt while LegacyReplacement is on ({@code pit_stop_channel0_irq}). */
    @FunctionalInterface
    public interface LegacyPit {
        /** Stops PIT channel 0's periodic interrupt. */
        void stopChannel0Irq();
    }

    // hpet_to_ns_scale = ((S_TO_NS * STIME_PER_HPET_TICK) << 10) / stime_freq, stime_freq = S_TO_NS.
    private static final long TO_NS_SCALE = ((1_000_000_000L * STIME_PER_HPET_TICK) << 10) / 1_000_000_000L;
    private static final long TO_NS_LIMIT = Long.divideUnsigned(-1L, TO_NS_SCALE);
    // HPET_TINY_TIME_SPAN: ticks in 1/1024 s.
    private static final long TINY_TIME_SPAN = (1_000_000_000L >> 10) / STIME_PER_HPET_TICK;
    private static final long MICROSECS_100 = 100_000L;

    private final PlatformTime platform;
    private final IrqLine irqLine;
    private final LegacyPit pit;
    private final PeriodicTime[] pt = new PeriodicTime[TIMERS];
    private final long[] tnConfig = new long[TIMERS];
    private final long[] tnCmp = new long[TIMERS];
    private final long[] comparator64 = new long[TIMERS];
    private final long[] period = new long[TIMERS];
    private final long[] fsb = new long[TIMERS];
    private long capability;
    private long config;
    private long isr;
    private long mc64;
    private long mcOffset;
    private boolean enabledParam = true;
    private boolean creationFinished = true;

    /**
     * {@code hpet_init}: the reset state, and {@code HVM_PARAM_HPET_ENABLED} = 1.
     *
     * @param platform the domain's platform time
     * @param irqLine  the interrupt controllers
     * @param pit      the PIT, silenced when LegacyReplacement takes IRQ 0
     */
    public Hpet(PlatformTime platform, IrqLine irqLine, LegacyPit pit) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.irqLine = Objects.requireNonNull(irqLine, "irqLine");
        this.pit = Objects.requireNonNull(pit, "pit");
        for (int i = 0; i < TIMERS; i++) {
            pt[i] = new PeriodicTime("hpet" + i, IrqSource.ISA);
        }
        reset();
    }

    /** {@code hpet_reset}: stops everything and returns to the power-on state. */
    public void reset() {
        synchronized (platform) {
            for (int i = 0; i < TIMERS; i++) {
                platform.destroy(pt[i]);
                tnConfig[i] = TN_INT_ROUTE_CAP_VAL | TN_64BIT_CAP | TN_PERIODIC_CAP;
                tnCmp[i] = -1L;
                comparator64[i] = -1L;
                period[i] = 0;
                fsb[i] = 0;
            }
            capability = CAPABILITY;
            config = 0;
            isr = 0;
            mc64 = 0;
            mcOffset = 0;
        }
    }

    /**
     * The device's state as Xen's {@code struct hvm_hw_hpet} save record holds it: the main
     * counter's value at save time (not the offset, which is meaningless in another domain), the
     * general registers, and per timer its configuration, comparator (the 64-bit hidden value),
     * period and FSB route.
     */
    public record State(long capability, long config, long isr, long mainCounter, long[] tnConfig, long[] tnCmp,
                        long[] comparator64, long[] period, long[] fsb) {
        /** Copies the arrays, so a record never shares them with a device. */
        public State {
            tnConfig = tnConfig.clone();
            tnCmp = tnCmp.clone();
            comparator64 = comparator64.clone();
            period = period.clone();
            fsb = fsb.clone();
        }
    }

    /** {@code hpet_save}: the state now, with the counter as it reads now. */
    public State save() {
        synchronized (platform) {
            long g = guestTicks();
            long mc = enabled() ? mcOffset + g : mc64;
            for (int i = 0; i < TIMERS; i++) {
                comparator(i, g); // bring periodic comparators up to date, as hpet_save does
            }
            return new State(capability, config, isr, mc, tnConfig, tnCmp, comparator64, period, fsb);
        }
    }

    /**
     * {@code hpet_load}: takes over a saved state; the counter continues from the saved value
     * on this domain's guest time ({@code mc_offset} recomputed) and enabled timers restart.
     */
    public void load(State state) {
        synchronized (platform) {
            for (int i = 0; i < TIMERS; i++) {
                platform.destroy(pt[i]);
            }
            capability = state.capability();
            config = state.config();
            isr = state.isr();
            System.arraycopy(state.tnConfig(), 0, tnConfig, 0, TIMERS);
            System.arraycopy(state.tnCmp(), 0, tnCmp, 0, TIMERS);
            System.arraycopy(state.comparator64(), 0, comparator64, 0, TIMERS);
            System.arraycopy(state.period(), 0, period, 0, TIMERS);
            System.arraycopy(state.fsb(), 0, fsb, 0, TIMERS);
            mc64 = state.mainCounter();
            long g = guestTicks();
            mcOffset = mc64 - g;
            if (enabled()) {
                for (int i = 0; i < TIMERS; i++) {
                    setTimer(i, g);
                }
            }
        }
    }

    /** Whether a guest-physical address falls in the window ({@code hpet_range}). */
    public static boolean inRange(long address) {
        return address >= HpetRegisters.BASE_ADDRESS && address < HpetRegisters.BASE_ADDRESS + MMAP_SIZE;
    }

    /** {@code HVM_PARAM_HPET_ENABLED}: when 0 reads return all-ones and writes are dropped. */
    public void setEnabledParam(boolean enabled) {
        synchronized (platform) {
            enabledParam = enabled;
        }
    }

    /**
     * Whether domain creation has finished ({@code d->creation_finished}); before it, a
     * 32-bit comparator in the past is never taken for a wrap (restore).
     */
    public void setCreationFinished(boolean finished) {
        synchronized (platform) {
            creationFinished = finished;
        }
    }

    /**
     * An MMIO read ({@code hpet_read}).
     *
     * @param address guest-physical (or window) address; only the low 10 bits count
     * @param length  1, 2, 4 or 8 bytes, naturally aligned; otherwise all-ones
     * @return the value in the low {@code length * 8} bits
     */
    public long read(long address, int length) {
        long mask = length >= 8 ? -1L : (1L << (length * 8)) - 1;
        synchronized (platform) {
            if (!enabledParam) {
                return -1L & mask;
            }
            int addr = (int) (address & (MMAP_SIZE - 1));
            if (!accessOk(addr, length)) {
                return -1L & mask;
            }
            long val = read64(addr, guestTicks());
            return length == 8 ? val : (val >>> ((addr & 7) * 8)) & mask;
        }
    }

    /**
     * An MMIO write ({@code hpet_write}): sub-register writes merge into the old value.
     *
     * @param address guest-physical (or window) address; only the low 10 bits count
     * @param length  1, 2, 4 or 8 bytes, naturally aligned; otherwise dropped
     * @param value   the value in the low {@code length * 8} bits
     */
    public void write(long address, int length, long value) {
        synchronized (platform) {
            if (!enabledParam) {
                return;
            }
            int addr = (int) (address & (MMAP_SIZE - 1));
            if (!accessOk(addr, length)) {
                return;
            }
            writeLocked(addr, length, value);
        }
    }

    /** The main counter now, as the guest would read it (for benchmarks and diagnostics). */
    public long mainCounter() {
        synchronized (platform) {
            return mainCounter(guestTicks());
        }
    }

    private static boolean accessOk(int addr, int length) {
        // Naturally aligned and at most 8 bytes (ICH9: read all-ones, drop writes).
        return (length == 1 || length == 2 || length == 4 || length == 8) && (addr & (length - 1)) == 0;
    }

    // guest_time_hpet: the global target vCPU's guest time in HPET ticks.
    private long guestTicks() {
        return Long.divideUnsigned(platform.globalTarget().guestTime(), STIME_PER_HPET_TICK);
    }

    private static long tickToNs(long ticks) {
        long scaled = Long.compareUnsigned(ticks, TO_NS_LIMIT) > 0 ? -1L : ticks * TO_NS_SCALE;
        return scaled >>> 10;
    }

    private boolean enabled() {
        return (config & CFG_ENABLE) != 0;
    }

    private boolean timerEnabled(int n) {
        return (tnConfig[n] & TN_ENABLE) != 0;
    }

    private boolean periodic(int n) {
        return (tnConfig[n] & TN_PERIODIC) != 0;
    }

    private boolean is32(int n) {
        return (tnConfig[n] & TN_32BIT) != 0;
    }

    private boolean level(int n) {
        return (tnConfig[n] & TN_LEVEL) != 0;
    }

    private boolean legacy(int n) {
        return n <= 1 && (config & CFG_LEGACY) != 0;
    }

    private int route(int n) {
        return (int) ((tnConfig[n] & TN_ROUTE) >>> TN_ROUTE_SHIFT);
    }

    private int routeCap(int n) {
        return (int) (tnConfig[n] >>> 32);
    }

    private boolean routeValid(int n) {
        return legacy(n) || ((1 << route(n)) & routeCap(n)) != 0;
    }

    private long mainCounter(long guestTicks) {
        return enabled() ? guestTicks + mcOffset : mc64;
    }

    // hpet_get_comparator: a periodic comparator read while enabled moves past the counter
    // by whole periods.
    private long comparator(int n, long guestTicks) {
        long comparator = comparator64[n];
        if (enabled() && periodic(n)) {
            long p = period[n];
            if (p != 0) {
                long elapsed = mainCounter(guestTicks) - comparator;
                if (elapsed >= 0) {
                    comparator += Long.divideUnsigned(elapsed + p, p) * p;
                    comparator64[n] = comparator;
                }
            }
        }
        if (is32(n)) {
            comparator &= 0xFFFF_FFFFL;
        }
        tnCmp[n] = comparator;
        return comparator;
    }

    private long read64(int addr, long guestTicks) {
        int reg = addr & ~7;
        if (reg == ID) {
            return capability;
        }
        if (reg == CFG) {
            return config;
        }
        if (reg == STATUS) {
            return isr;
        }
        if (reg == COUNTER) {
            return mainCounter(guestTicks);
        }
        for (int n = 0; n < TIMERS; n++) {
            if (reg == HpetRegisters.tnCfg(n)) {
                return tnConfig[n];
            }
            if (reg == HpetRegisters.tnCmp(n)) {
                return comparator(n, guestTicks);
            }
            if (reg == HpetRegisters.tnRoute(n)) {
                return fsb[n];
            }
        }
        return 0;
    }

    private static long fixup(long value, long old, long mask) {
        return (value & mask) | (old & ~mask);
    }

    private void sanitizeRoute(int n) {
        if (routeValid(n)) {
            return;
        }
        tnConfig[n] &= ~TN_ROUTE;
        if (!timerEnabled(n)) {
            return;
        }
        // An enabled timer with an invalid route gets the first allowed pin.
        tnConfig[n] |= ((long) Integer.numberOfTrailingZeros(routeCap(n)) << TN_ROUTE_SHIFT) & TN_ROUTE;
    }

    private void writeLocked(int addr, int length, long val) {
        long guestTicks = guestTicks();
        long oldVal = read64(addr, guestTicks);
        long newVal = val;
        int byteShift = (addr & 7) * 8;
        if (length != 8) {
            newVal = fixup(newVal << byteShift, oldVal, ((1L << (length * 8)) - 1) << byteShift);
        }
        int start = 0;
        int stop = 0;
        int reg = addr & ~7;
        if (reg == CFG) {
            config = fixup(newVal, oldVal, CFG_ENABLE | CFG_LEGACY);
            for (int i = 0; i < TIMERS; i++) {
                sanitizeRoute(i);
            }
            if ((oldVal & CFG_ENABLE) == 0 && (newVal & CFG_ENABLE) != 0) {
                mcOffset = mc64 - guestTicks; // the counter resumes from mc64
                for (int i = 0; i < TIMERS; i++) {
                    comparator64[i] = is32(i) ? tnCmp[i] & 0xFFFF_FFFFL : tnCmp[i];
                    if (timerEnabled(i)) {
                        start |= 1 << i;
                    }
                }
            } else if ((oldVal & CFG_ENABLE) != 0 && (newVal & CFG_ENABLE) == 0) {
                mc64 = mcOffset + guestTicks; // the counter halts here
                for (int i = 0; i < TIMERS; i++) {
                    if (timerEnabled(i)) {
                        stop |= 1 << i;
                    }
                }
            }
        } else if (reg == STATUS) {
            // Write 1 to clear, so the raw value is used, not the merged one.
            long clear = val << byteShift;
            for (int i = 0; i < TIMERS; i++) {
                if ((clear & (1L << i)) != 0 && (isr & (1L << i)) != 0) {
                    isr &= ~(1L << i);
                    irqLine.deassertIrq(IrqSource.IOAPIC, route(i));
                    if (enabled() && timerEnabled(i) && level(i) && periodic(i)) {
                        start |= 1 << i; // a periodic level timer re-arms on acknowledge
                    }
                }
            }
        } else if (reg == COUNTER) {
            mc64 = newVal;
            if (enabled()) {
                // "writing main counter but it's not halted!": restart every enabled timer.
                for (int i = 0; i < TIMERS; i++) {
                    if (timerEnabled(i)) {
                        start |= 1 << i;
                        stop |= 1 << i;
                    }
                }
            }
        } else {
            for (int n = 0; n < TIMERS; n++) {
                if (reg == HpetRegisters.tnCfg(n)) {
                    tnConfig[n] = fixup(newVal, oldVal,
                            TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT | TN_ROUTE);
                    sanitizeRoute(n);
                    if ((newVal & TN_32BIT) != 0) {
                        tnCmp[n] &= 0xFFFF_FFFFL;
                        period[n] &= 0xFFFF_FFFFL;
                    }
                    if (enabled()) {
                        if ((newVal & TN_ENABLE) != 0) {
                            if (((newVal ^ oldVal) & TN_PERIODIC) != 0) {
                                start |= 1 << n; // mode change: restart
                                stop |= 1 << n;
                            } else if ((newVal & TN_32BIT) != 0 && (oldVal & TN_32BIT) == 0) {
                                start |= 1 << n; // 64 → 32 bits may move the next fire time
                                stop |= 1 << n;
                            } else if ((oldVal & TN_ENABLE) == 0) {
                                start |= 1 << n;
                            }
                        } else if ((oldVal & TN_ENABLE) != 0) {
                            stop |= 1 << n;
                        }
                    }
                } else if (reg == HpetRegisters.tnCmp(n)) {
                    if (periodic(n) && (tnConfig[n] & TN_SETVAL) == 0) {
                        // Periodic without SETVAL: the write sets the period, clamped to
                        // [100 µs, half the counter range].
                        long maxPeriod = (is32(n) ? 0xFFFF_FFFFL : -1L) >>> 1;
                        if (tickToNs(newVal) < MICROSECS_100) {
                            newVal = (MICROSECS_100 << 10) / TO_NS_SCALE;
                        }
                        if (Long.compareUnsigned(newVal, maxPeriod) > 0) {
                            newVal = maxPeriod;
                        }
                        period[n] = newVal;
                    } else {
                        // One-shot, or SETVAL: set the comparator (the accumulator); SETVAL
                        // clears itself.
                        tnConfig[n] &= ~TN_SETVAL;
                        comparator64[n] = newVal;
                        tnCmp[n] = is32(n) ? newVal & 0xFFFF_FFFFL : newVal;
                    }
                    if (enabled() && timerEnabled(n)) {
                        start |= 1 << n;
                        stop |= 1 << n;
                    }
                } else if (reg == HpetRegisters.tnRoute(n)) {
                    fsb[n] = newVal;
                }
            }
        }
        for (int i = 0; i < TIMERS; i++) {
            if ((stop & (1 << i)) != 0) {
                stopTimer(i, guestTicks);
            }
        }
        for (int i = 0; i < TIMERS; i++) {
            if ((start & (1 << i)) != 0) {
                setTimer(i, guestTicks);
            }
        }
    }

    private void stopTimer(int n, long guestTicks) {
        platform.destroy(pt[n]);
        comparator(n, guestTicks); // so a read while stopped returns the expected value
    }

    // hpet_set_timer.
    private void setTimer(int n, long guestTicks) {
        if (n == 0 && (config & CFG_LEGACY) != 0) {
            // HPET spec: the PIT must not interrupt while timer 0 has LegacyReplacement.
            pit.stopChannel0Irq();
        }
        if (!timerEnabled(n) || (level(n) && (isr & (1L << n)) != 0)) {
            return;
        }
        if (!routeValid(n)) {
            return;
        }
        long cmp = comparator(n, guestTicks);
        long cur = mainCounter(guestTicks);
        if (is32(n)) {
            cmp &= 0xFFFF_FFFFL;
            cur &= 0xFFFF_FFFFL;
        }
        long diff = cmp - cur;
        // A value in the past fires now; for 32-bit comparators a "large" past value is a
        // wrap into the future (only once the domain is created).
        if (diff < 0) {
            diff = is32(n) && creationFinished && Long.compareUnsigned(-diff, TINY_TIME_SPAN) > 0
                    ? diff & 0xFFFF_FFFFL : 0;
        }
        int irq;
        IrqSource source;
        if (legacy(n)) {
            irq = n == 0 ? HpetRegisters.LEGACY_IRQ_TIMER0 : HpetRegisters.LEGACY_IRQ_TIMER1;
            source = IrqSource.ISA;
        } else {
            irq = route(n);
            source = IrqSource.IOAPIC;
        }
        if (level(n) && source == IrqSource.ISA) {
            return; // create_periodic_time refuses a level-triggered ISA channel
        }
        if (pt[n].source() != source) {
            platform.destroy(pt[n]);
            pt[n] = new PeriodicTime("hpet" + n, source);
        }
        // A periodic level timer runs as one-shots: the guest acknowledges each in STATUS.
        boolean oneShot = !periodic(n) || level(n);
        long diffNs = tickToNs(diff);
        long periodNs = oneShot ? 0 : tickToNs(period[n]);
        VcpuPlatformTime target = platform.globalTarget();
        final int timer = n;
        platform.create(pt[n], target, diffNs, periodNs, irq,
                level(n) ? v -> timerFired(timer) : null, level(n));
    }

    // hpet_timer_fired: a level timer's interrupt is latched in STATUS until acknowledged.
    private void timerFired(int n) {
        isr |= 1L << n;
    }
}
