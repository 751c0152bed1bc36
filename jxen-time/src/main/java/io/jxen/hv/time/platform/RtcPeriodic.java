package io.jxen.hv.time.platform;

import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PeriodicTime;
import io.jxen.hv.time.vpt.PlatformTime;

import java.util.Objects;

/**
 * The periodic-interrupt part of the MC146818 RTC as Xen emulates it (xen/arch/x86/hvm/rtc.c):
 * the index/data ports 0x70/0x71 for registers A-D, the rate select of register A, the PIE
 * bit of register B, and the flags of register C (PF, IRQF), cleared by reading it. With PIE
 * set the periodic interrupt is a {@link PeriodicTime} on ISA IRQ 8; with PIE clear, PF is
 * computed lazily from host time ({@code check_for_pf_ticks}). Xen's "no-ack" mode (what
 * hvmloader's WAET advertises): ticks keep coming whether or not REG_C is read.
 *
 * <p>With an {@link RtcCalendar} (as {@code HvmPlatform} builds it) registers 0-9 are the
 * calendar, {@code REG_A.UIP} shows the update cycle, and with {@code REG_B.UIE}/{@code AIE} an
 * update timer ticks at each second boundary setting {@code UF} and, when the alarm matches,
 * {@code AF}, raising IRQ 8 through {@code REG_C.IRQF}. Without one (the unit tests of the
 * periodic part) registers 0-9 read 0. Not emulated: UF/AF while both enables are clear (Xen
 * computes them lazily), and the CMOS RAM beyond register D.
 */
public final class RtcPeriodic {

    /** Index port. */
    public static final int INDEX_PORT = 0x70;
    /** Data port. */
    public static final int DATA_PORT = 0x71;
    /** The RTC's ISA IRQ: {@code RTC_IRQ}. */
    public static final int IRQ = 8;

    /** Register A: divider and rate select. */
    public static final int REG_A = 10;
    /** Register B: control. */
    public static final int REG_B = 11;
    /** Register C: interrupt flags (read to clear). */
    public static final int REG_C = 12;
    /** Register D: valid RAM and time. */
    public static final int REG_D = 13;

    /** REG_A: update in progress (read-only). */
    public static final int UIP = 0x80;
    /** REG_A: divider control bits. */
    public static final int DIV_CTL = 0x70;
    /** REG_A divider: 4.194304 MHz (Xen's encoding). */
    public static final int REF_CLCK_4MHZ = 0x00;
    /** REG_A divider: 1.048576 MHz (Xen's encoding). */
    public static final int REF_CLCK_1MHZ = 0x10;
    /** REG_A divider: 32.768 kHz, the normal setting. */
    public static final int REF_CLCK_32KHZ = 0x20;
    /** REG_A: rate select bits. */
    public static final int RATE_SELECT = 0x0F;
    /** REG_B: periodic interrupt enable. */
    public static final int PIE = 0x40;
    /** REG_B: alarm interrupt enable. */
    public static final int AIE = 0x20;
    /** REG_B: update-ended interrupt enable. */
    public static final int UIE = 0x10;
    /** REG_C: an enabled flag is set. */
    public static final int IRQF = 0x80;
    /** REG_C: periodic flag. */
    public static final int PF = 0x40;
    /** REG_C: alarm flag. */
    public static final int AF = 0x20;
    /** REG_C: update-ended flag. */
    public static final int UF = 0x10;
    /** REG_D: valid RAM and time. */
    public static final int VRT = 0x80;

    private final PlatformTime platform;
    private final IrqLine irqLine;
    private final PeriodicTime pt = new PeriodicTime("rtc", IrqSource.ISA);
    private final int[] cmos = new int[14];
    private int index;
    private long period;
    private long startTime;
    private long checkTicksSince;
    private final RtcCalendar calendar;
    private final io.jxen.hv.time.timer.TimerQueue.Timer updateTimer;

    /** {@code rtc_init}: 32 kHz divider, rate 6 (1024 Hz), binary 24-hour mode, no interrupts enabled. */
    public RtcPeriodic(PlatformTime platform, IrqLine irqLine) {
        this(platform, irqLine, null, null);
    }

    /**
     * {@code rtc_init} with the calendar.
     *
     * @param queue    the timer agent (the update timer), or null without a calendar
     * @param calendar the calendar, or null for the periodic interrupt alone
     */
    public RtcPeriodic(PlatformTime platform, IrqLine irqLine, io.jxen.hv.time.timer.TimerQueue queue,
                       RtcCalendar calendar) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.irqLine = Objects.requireNonNull(irqLine, "irqLine");
        if ((queue == null) != (calendar == null)) {
            throw new IllegalArgumentException("the calendar needs the timer queue and the other way round");
        }
        this.calendar = calendar;
        this.updateTimer = queue == null ? null : queue.newTimer("rtc-update", this::updateTick);
        synchronized (platform) {
            cmos[REG_A] = REF_CLCK_32KHZ | 6;
            cmos[REG_B] = 0x02 | 0x04; // RTC_24H | RTC_DM_BINARY
            cmos[REG_D] = VRT;
            startTime = platform.hostNow();
            timerUpdate();
        }
    }

    /** Whether a port belongs to the RTC. */
    public static boolean handles(int port) {
        return port == INDEX_PORT || port == DATA_PORT;
    }

    /** A 1-byte port read; the index port reads all-ones. */
    public int read(int port) {
        synchronized (platform) {
            if (port != DATA_PORT) {
                return 0xFF;
            }
            return switch (index) {
                case REG_C -> {
                    checkForPfTicks();
                    int ret = cmos[REG_C];
                    cmos[REG_C] = 0;
                    if ((ret & IRQF) != 0) {
                        irqLine.deassertIrq(IrqSource.ISA, IRQ);
                    }
                    yield ret;
                }
                case REG_A -> cmos[REG_A] | (calendar != null
                        && calendar.updateInProgress(dividerRunning(), cmos[REG_B]) ? UIP : 0);
                case REG_B, REG_D -> cmos[index];
                default -> calendar != null && RtcCalendar.handles(index) ? calendar.read(index, cmos[REG_B]) : 0;
            };
        }
    }

    /** A 1-byte port write. */
    public void write(int port, int value) {
        synchronized (platform) {
            value &= 0xFF;
            if (port == INDEX_PORT) {
                index = value & 0x7F;
                return;
            }
            int orig = index < cmos.length ? cmos[index] : 0;
            switch (index) {
                case REG_A -> {
                    cmos[REG_A] = (value & ~UIP) | (orig & UIP);
                    if (((value ^ orig) & ~UIP) != 0) {
                        timerUpdate();
                    }
                }
                case REG_B -> {
                    checkForPfTicks();
                    cmos[REG_B] = value;
                    if (calendar != null) {
                        calendar.regBChanged(orig, value);
                        armUpdateTimer();
                    }
                    updateIrq(); // a flag already set raises the line when its enable is set
                    if (((value ^ orig) & PIE) != 0) {
                        platform.destroy(pt);
                        period = 0;
                        timerUpdate();
                    }
                }
                default -> {
                    // REG_C and REG_D are read-only.
                    if (calendar != null && RtcCalendar.handles(index)) {
                        calendar.write(index, value, cmos[REG_B]);
                    }
                }
            }
        }
    }

    /** Stops the periodic interrupt (domain destroyed). */
    public void close() {
        synchronized (platform) {
            platform.destroy(pt);
            period = 0;
            if (updateTimer != null) {
                updateTimer.stop();
            }
        }
    }

    /** The current periodic-interrupt period in ns, 0 when off. */
    public long periodNs() {
        synchronized (platform) {
            return period;
        }
    }

    /** The periodic channel (for diagnostics and tests). */
    public PeriodicTime timer() {
        return pt;
    }

    /** Restores the calendar's offset from the host's wall time (a restored domain). */
    public void restoreOffset(long offsetSeconds) {
        synchronized (platform) {
            calendar.restoreOffset(offsetSeconds);
        }
    }

    /** The calendar, or null. */
    public RtcCalendar calendar() {
        return calendar;
    }

    private boolean dividerRunning() {
        return (cmos[REG_A] & DIV_CTL) == REF_CLCK_32KHZ;
    }

    // rtc_update_timer: armed for the next second boundary while UIE or AIE is set and SET clear.
    private void armUpdateTimer() {
        if ((cmos[REG_B] & (UIE | AIE)) != 0 && (cmos[REG_B] & RtcCalendar.SET) == 0 && dividerRunning()) {
            updateTimer.set(platform.hostNow() + 1_000_000_000L - calendar.nanosIntoSecond());
        } else {
            updateTimer.stop();
        }
    }

    // A second ended: the update-ended flag, the alarm, the interrupt, and the next second.
    private void updateTick() {
        synchronized (platform) {
            if ((cmos[REG_B] & (UIE | AIE)) == 0 || (cmos[REG_B] & RtcCalendar.SET) != 0) {
                return;
            }
            cmos[REG_C] |= UF;
            if (calendar.alarmMatches(calendar.seconds(), cmos[REG_B])) {
                cmos[REG_C] |= AF;
            }
            updateIrq();
            armUpdateTimer();
        }
    }

    // rtc_update_irq, no-ack mode.
    private void updateIrq() {
        if ((cmos[REG_B] & cmos[REG_C] & (PF | AF | UF)) == 0) {
            return;
        }
        cmos[REG_C] |= IRQF;
        irqLine.deassertIrq(IrqSource.ISA, IRQ);
        irqLine.assertIrq(IrqSource.ISA, IRQ);
    }

    // rtc_pf_callback: the vpt delivered a periodic tick.
    private void pfCallback() {
        cmos[REG_C] |= PF | IRQF;
    }

    // check_for_pf_ticks: with PIE clear, PF is set if a period boundary passed since last looked.
    private void checkForPfTicks() {
        if (period == 0 || (cmos[REG_B] & PIE) != 0) {
            return;
        }
        long now = platform.hostNow();
        if ((now - startTime) / period != (checkTicksSince - startTime) / period) {
            cmos[REG_C] |= PF;
        }
        checkTicksSince = now;
    }

    // rtc_timer_update: period = 2^(rate-1) cycles of 32 kHz, rates 1 and 2 meaning 8 and 9
    // with the 32 kHz divider.
    private void timerUpdate() {
        int code = cmos[REG_A] & RATE_SELECT;
        int divider = cmos[REG_A] & DIV_CTL;
        if (divider == REF_CLCK_32KHZ && code != 0 && code <= 2) {
            code += 7;
        }
        boolean running = divider == REF_CLCK_32KHZ || divider == REF_CLCK_1MHZ || divider == REF_CLCK_4MHZ;
        if (!running || code == 0) {
            platform.destroy(pt);
            period = 0;
            return;
        }
        long cycles = 1L << (code - 1);
        long newPeriod = (cycles * 1_000_000_000L + 32_768 / 2) / 32_768; // DIV_ROUND
        if (newPeriod == period) {
            return;
        }
        long now = platform.hostNow();
        period = newPeriod;
        long delta = period - Math.floorMod(now - startTime, period);
        if ((cmos[REG_B] & PIE) != 0) {
            platform.create(pt, platform.globalTarget(), delta, period, IRQ, v -> pfCallback(), false);
        } else {
            checkTicksSince = now;
        }
    }
}
