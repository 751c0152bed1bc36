package io.jxen.hv.time.platform;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The calendar of the MC146818 RTC as Xen emulates it (xen/arch/x86/hvm/rtc.c): registers 0-9
 * (seconds, minutes, hours with their alarms, day of week, day of month, month, year), in BCD or
 * binary ({@code REG_B.DM}) and 12- or 24-hour mode ({@code REG_B.24H}, bit 7 of the hours
 * meaning PM in 12-hour mode), the SET bit that freezes the registers while the guest writes
 * them, the update-in-progress bit of {@code REG_A} (set for the 244 µs before each second, the
 * MC146818's update cycle, while the divider runs), and the alarm match (an alarm byte with
 * its top two bits set is "don't care").
 *
 * <p>Time is the host's wall time plus an offset the guest sets by writing the registers, which
 * is handed to the domain's wallclock ({@code rtc_set_time} moving {@code d->time_offset}). Years
 * are {@code 1900 + YEAR}, plus 100 below 1970, as Xen's {@code rtc_set_time} reads them. Called
 * with the platform-time lock held, by {@link RtcPeriodic}.
 */
public final class RtcCalendar {

    /** Seconds register. */
    public static final int SECONDS = 0;
    /** Seconds alarm. */
    public static final int SECONDS_ALARM = 1;
    /** Minutes. */
    public static final int MINUTES = 2;
    /** Minutes alarm. */
    public static final int MINUTES_ALARM = 3;
    /** Hours (bit 7 = PM in 12-hour mode). */
    public static final int HOURS = 4;
    /** Hours alarm. */
    public static final int HOURS_ALARM = 5;
    /** Day of week, Sunday = 1. */
    public static final int DAY_OF_WEEK = 6;
    /** Day of month. */
    public static final int DAY_OF_MONTH = 7;
    /** Month. */
    public static final int MONTH = 8;
    /** Year within the century. */
    public static final int YEAR = 9;
    /** REG_B: registers frozen for the guest to set. */
    public static final int SET = 0x80;
    /** REG_B: binary (not BCD) data mode. */
    public static final int DM_BINARY = 0x04;
    /** REG_B: 24-hour mode. */
    public static final int HOURS_24 = 0x02;
    /** The update cycle: UIP is set this long before each second ends (MC146818 t_BUC). */
    public static final long UPDATE_CYCLE_NS = 244_000L;
    /** An alarm byte with these bits set matches any value. */
    public static final int DONT_CARE = 0xC0;

    private static final long NS_PER_S = 1_000_000_000L;

    private final LongSupplier epochNanos;
    private final LongConsumer timeOffsetListener;
    private final int[] frozen = new int[10];
    private final int[] alarm = new int[3];
    private long offsetSeconds;

    /**
     * @param epochNanos         the host's wall time, ns since the epoch
     * @param timeOffsetListener told the new offset (seconds) when the guest sets the time
     */
    public RtcCalendar(LongSupplier epochNanos, LongConsumer timeOffsetListener) {
        this.epochNanos = Objects.requireNonNull(epochNanos, "epochNanos");
        this.timeOffsetListener = Objects.requireNonNull(timeOffsetListener, "timeOffsetListener");
    }

    /** Whether {@code reg} is a calendar register. */
    public static boolean handles(int reg) {
        return reg >= SECONDS && reg <= YEAR;
    }

    /** The RTC's time now, seconds since the epoch. */
    public long seconds() {
        return Math.floorDiv(epochNanos.getAsLong(), NS_PER_S) + offsetSeconds;
    }

    /** The guest's offset from the host's wall time, in seconds. */
    public long offsetSeconds() {
        return offsetSeconds;
    }

    /** Takes over a saved offset (restore), and tells the domain's wallclock. */
    public void restoreOffset(long seconds) {
        offsetSeconds = seconds;
        timeOffsetListener.accept(seconds);
    }

    /** Nanoseconds into the current second (the RTC's seconds tick with the host's). */
    public long nanosIntoSecond() {
        return Math.floorMod(epochNanos.getAsLong(), NS_PER_S);
    }

    int read(int reg, int regB) {
        return switch (reg) {
            case SECONDS_ALARM -> alarm[0];
            case MINUTES_ALARM -> alarm[1];
            case HOURS_ALARM -> alarm[2];
            default -> (regB & SET) != 0 ? frozen[reg] : encode(seconds(), regB)[reg];
        };
    }

    void write(int reg, int value, int regB) {
        switch (reg) {
            case SECONDS_ALARM -> alarm[0] = value;
            case MINUTES_ALARM -> alarm[1] = value;
            case HOURS_ALARM -> alarm[2] = value;
            default -> {
                if ((regB & SET) == 0) {
                    // rtc_ioport_write: outside SET mode each write sets the time at once.
                    System.arraycopy(encode(seconds(), regB), 0, frozen, 0, frozen.length);
                    frozen[reg] = value;
                    setTime(regB);
                } else {
                    frozen[reg] = value;
                }
            }
        }
    }

    /** REG_B changed from {@code old} to {@code now}: SET freezes the registers, clearing it sets the time. */
    void regBChanged(int old, int now) {
        if ((now & SET) != 0 && (old & SET) == 0) {
            System.arraycopy(encode(seconds(), old), 0, frozen, 0, frozen.length);
        } else if ((now & SET) == 0 && (old & SET) != 0) {
            setTime(now);
        }
    }

    /** REG_A's UIP: the divider runs, SET is clear, and the second ends within the update cycle. */
    boolean updateInProgress(boolean dividerRunning, int regB) {
        return dividerRunning && (regB & SET) == 0 && nanosIntoSecond() >= NS_PER_S - UPDATE_CYCLE_NS;
    }

    /** Whether the alarm matches the time {@code secs} (each field equal or don't-care). */
    boolean alarmMatches(long secs, int regB) {
        int[] now = encode(secs, regB);
        return matches(alarm[0], now[SECONDS]) && matches(alarm[1], now[MINUTES]) && matches(alarm[2], now[HOURS]);
    }

    private static boolean matches(int alarmByte, int value) {
        return (alarmByte & DONT_CARE) == DONT_CARE || alarmByte == value;
    }

    // rtc_set_time: the registers as the guest left them become the time; the difference from
    // the host's wall time is the domain's new time offset.
    private void setTime(int regB) {
        boolean binary = (regB & DM_BINARY) != 0;
        int hour;
        if ((regB & HOURS_24) != 0) {
            hour = decode(frozen[HOURS], binary);
        } else {
            hour = decode(frozen[HOURS] & 0x7F, binary) % 12 + ((frozen[HOURS] & 0x80) != 0 ? 12 : 0);
        }
        int year = decode(frozen[YEAR], binary) + 1900;
        if (year < 1970) {
            year += 100;
        }
        long secs;
        try {
            secs = LocalDateTime.of(year, decode(frozen[MONTH], binary), decode(frozen[DAY_OF_MONTH], binary), hour,
                    decode(frozen[MINUTES], binary), decode(frozen[SECONDS], binary)).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return; // not a date: the time stays as it was
        }
        offsetSeconds = secs - Math.floorDiv(epochNanos.getAsLong(), NS_PER_S);
        timeOffsetListener.accept(offsetSeconds);
    }

    private static int[] encode(long secs, int regB) {
        boolean binary = (regB & DM_BINARY) != 0;
        LocalDateTime t = LocalDateTime.ofEpochSecond(secs, 0, ZoneOffset.UTC);
        int[] r = new int[10];
        r[SECONDS] = encode(t.getSecond(), binary);
        r[MINUTES] = encode(t.getMinute(), binary);
        int h = t.getHour();
        if ((regB & HOURS_24) != 0) {
            r[HOURS] = encode(h, binary);
        } else {
            r[HOURS] = encode(h % 12 == 0 ? 12 : h % 12, binary) | (h >= 12 ? 0x80 : 0);
        }
        r[DAY_OF_WEEK] = encode(t.getDayOfWeek().getValue() % 7 + 1, binary);
        r[DAY_OF_MONTH] = encode(t.getDayOfMonth(), binary);
        r[MONTH] = encode(t.getMonthValue(), binary);
        r[YEAR] = encode(t.getYear() % 100, binary);
        return r;
    }

    private static int encode(int value, boolean binary) {
        return binary ? value : (value / 10) << 4 | value % 10;
    }

    private static int decode(int value, boolean binary) {
        return binary ? value : (value >> 4) * 10 + (value & 0x0F);
    }
}
