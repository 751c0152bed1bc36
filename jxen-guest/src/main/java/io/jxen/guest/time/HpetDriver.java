package io.jxen.guest.time;

import io.jxen.hypercall.GuestCpu;

import java.util.Objects;

/**
 * An HVM guest's HPET driver, as FreeBSD's {@code acpi_hpet.c} and Linux's
 * {@code arch/x86/kernel/hpet.c} use the device: find the block at its ACPI address, check the
 * capabilities (a counter period of at most 100 ns), start the main counter, read it as a
 * timecounter, and program a comparator periodic with the two comparator writes the IA-PC HPET
 * 1.0a spec describes (with {@code Tn_VAL_SET_CNF} the first write sets the accumulator, the
 * next one the period), optionally in legacy-replacement mode (timer 0 on IRQ 0, timer 1 on
 * IRQ 8). Register offsets are the spec's (IA-PC HPET 1.0a, section 2.3); every access is an
 * MMIO load or store through {@link GuestCpu}.
 */
public final class HpetDriver {

    /** Where the HPET block sits (the ACPI HPET table's base address on Xen HVM guests). */
    public static final long BASE = 0xFED0_0000L;
    /** GEN_CAP_ID: capabilities and ID. */
    public static final int GEN_CAP_ID = 0x000;
    /** GEN_CONF: configuration. */
    public static final int GEN_CONF = 0x010;
    /** GINTR_STA: interrupt status, write 1 to clear. */
    public static final int GINTR_STA = 0x020;
    /** MAIN_CNT: the main counter. */
    public static final int MAIN_CNT = 0x0F0;
    /** GEN_CONF.ENABLE_CNF. */
    public static final long ENABLE_CNF = 1;
    /** GEN_CONF.LEG_RT_CNF. */
    public static final long LEG_RT_CNF = 2;
    /** Tn_CONF.INT_ENB_CNF. */
    public static final long TN_INT_ENB = 1 << 2;
    /** Tn_CONF.TYPE_CNF (periodic). */
    public static final long TN_TYPE_PERIODIC = 1 << 3;
    /** Tn_CONF.VAL_SET_CNF. */
    public static final long TN_VAL_SET = 1 << 6;
    /** The longest counter period the spec allows: 100 ns in femtoseconds. */
    public static final long MAX_PERIOD_FS = 100_000_000L;

    private final GuestCpu cpu;
    private final long capabilities;
    private final long periodFs;

    private HpetDriver(GuestCpu cpu, long capabilities) {
        this.cpu = cpu;
        this.capabilities = capabilities;
        this.periodFs = capabilities >>> 32;
    }

    /**
     * Probes the block: reads GEN_CAP_ID and checks it.
     *
     * @throws IllegalStateException if nothing HPET-like answers (all-ones, a zero or too long
     *                               period)
     */
    public static HpetDriver probe(GuestCpu cpu) {
        Objects.requireNonNull(cpu, "cpu");
        long cap = cpu.mmioRead(BASE + GEN_CAP_ID, 8);
        long period = cap >>> 32;
        if (cap == -1L || period == 0 || period > MAX_PERIOD_FS) {
            throw new IllegalStateException("no HPET at 0x" + Long.toHexString(BASE) + ": GEN_CAP_ID 0x"
                    + Long.toHexString(cap));
        }
        return new HpetDriver(cpu, cap);
    }

    /** GEN_CAP_ID as read at probe time. */
    public long capabilities() {
        return capabilities;
    }

    /** The counter period in femtoseconds (COUNTER_CLK_PER_CAP). */
    public long periodFs() {
        return periodFs;
    }

    /** Number of comparators (NUM_TIM_CAP + 1). */
    public int timers() {
        return (int) ((capabilities >>> 8) & 0x1F) + 1;
    }

    /** Starts the main counter (GEN_CONF.ENABLE_CNF), keeping the other bits. */
    public void enable() {
        long conf = cpu.mmioRead(BASE + GEN_CONF, 8);
        cpu.mmioWrite(BASE + GEN_CONF, 8, conf | ENABLE_CNF);
    }

    /** Turns legacy-replacement routing on or off. */
    public void setLegacyReplacement(boolean on) {
        long conf = cpu.mmioRead(BASE + GEN_CONF, 8);
        cpu.mmioWrite(BASE + GEN_CONF, 8, on ? conf | LEG_RT_CNF : conf & ~LEG_RT_CNF);
    }

    /** The main counter (a 64-bit load). */
    public long counter() {
        return cpu.mmioRead(BASE + MAIN_CNT, 8);
    }

    /** Counter ticks in nanoseconds (exact for up to about 2^63 / period fs ticks). */
    public long ticksToNanos(long ticks) {
        return Math.multiplyExact(ticks, periodFs) / 1_000_000L;
    }

    /**
     * Programs comparator {@code timer} periodic every {@code periodTicks} counter ticks, first
     * firing one period from now: Tn_CONF = enable | periodic | VAL_SET, then the comparator
     * (sets the accumulator), then the period.
     */
    public void startPeriodic(int timer, long periodTicks) {
        long cfg = cpu.mmioRead(BASE + tnConf(timer), 8);
        cpu.mmioWrite(BASE + tnConf(timer), 8, cfg | TN_INT_ENB | TN_TYPE_PERIODIC | TN_VAL_SET);
        cpu.mmioWrite(BASE + tnComparator(timer), 8, counter() + periodTicks);
        cpu.mmioWrite(BASE + tnComparator(timer), 8, periodTicks);
    }

    /** Stops comparator {@code timer}'s interrupts. */
    public void stop(int timer) {
        long cfg = cpu.mmioRead(BASE + tnConf(timer), 8);
        cpu.mmioWrite(BASE + tnConf(timer), 8, cfg & ~(TN_INT_ENB | TN_TYPE_PERIODIC));
    }

    /** Tn_CONF's offset. */
    public static int tnConf(int timer) {
        return 0x100 + 0x20 * timer;
    }

    /** Tn_COMPARATOR's offset. */
    public static int tnComparator(int timer) {
        return 0x108 + 0x20 * timer;
    }
}
