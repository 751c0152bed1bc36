package io.jxen.hv.time.platform;

import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.TestPlatform;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RTC calendar through ports 0x70/0x71: BCD and binary, 12- and 24-hour mode, setting the
 * time under SET (the offset reaches the domain's wallclock), UIP in the update cycle, and the
 * alarm and update-ended interrupts on IRQ 8. The virtual clock's wall time starts at
 * 1970-01-01T00:00:00Z; {@link #at} moves it to a date.
 */
class RtcCalendarTest {

    private static final long S = 1_000_000_000L;

    private final TestPlatform t = new TestPlatform(1);
    private final long wallAtZero = t.clock.epochNanos() - t.systemTime.now();
    private final List<Long> offsets = new ArrayList<>();
    private final RtcPeriodic rtc = new RtcPeriodic(t.platform, t.lines, t.queue,
            new RtcCalendar(() -> wallAtZero + t.systemTime.now(), offsets::add));

    private void write(int reg, int value) {
        rtc.write(RtcPeriodic.INDEX_PORT, reg);
        rtc.write(RtcPeriodic.DATA_PORT, value);
    }

    private int read(int reg) {
        rtc.write(RtcPeriodic.INDEX_PORT, reg);
        return rtc.read(RtcPeriodic.DATA_PORT);
    }

    /** Runs virtual time to {@code dateTime} UTC (plus {@code nanos}). */
    private void at(String dateTime, long nanos) {
        long target = LocalDateTime.parse(dateTime).toEpochSecond(ZoneOffset.UTC) * S + nanos;
        t.runTo(target - wallAtZero);
    }

    @Test
    void binary24HourAndBcd12HourRenderTheSameInstant() {
        at("2026-03-14T13:05:09", 0); // a Saturday
        write(RtcPeriodic.REG_B, RtcCalendar.DM_BINARY | RtcCalendar.HOURS_24);
        assertThat(List.of(read(0), read(2), read(4), read(6), read(7), read(8), read(9)))
                .containsExactly(9, 5, 13, 7, 14, 3, 26);
        write(RtcPeriodic.REG_B, 0); // BCD, 12-hour
        assertThat(List.of(read(0), read(2), read(4), read(6), read(7), read(8), read(9)))
                .containsExactly(0x09, 0x05, 0x80 | 0x01, 0x07, 0x14, 0x03, 0x26);
        at("2026-03-15T00:30:00", 0); // 12:30 AM, Sunday
        assertThat(read(4)).isEqualTo(0x12);
        assertThat(read(6)).isEqualTo(1);
    }

    @Test
    void settingTheTimeUnderSetMovesTheDomainsOffsetAndTheClockRunsOn() {
        at("2026-01-01T00:00:00", 0);
        write(RtcPeriodic.REG_B, RtcCalendar.SET | RtcCalendar.HOURS_24); // BCD, 24 h, frozen
        write(9, 0x99);
        write(8, 0x12);
        write(7, 0x31);
        write(4, 0x23);
        write(2, 0x59);
        write(0, 0x58);
        t.advance(5 * S); // frozen while SET
        assertThat(read(0)).isEqualTo(0x58);
        write(RtcPeriodic.REG_B, RtcCalendar.HOURS_24); // SET cleared: 1999-12-31T23:59:58
        long expected = LocalDateTime.parse("1999-12-31T23:59:58").toEpochSecond(ZoneOffset.UTC)
                - LocalDateTime.parse("2026-01-01T00:00:05").toEpochSecond(ZoneOffset.UTC);
        assertThat(offsets).containsExactly(expected);
        t.advance(3 * S);
        assertThat(List.of(read(9), read(8), read(7), read(4), read(2), read(0)))
                .containsExactly(0x00, 0x01, 0x01, 0x00, 0x00, 0x01); // 2000-01-01T00:00:01
        // Outside SET a single write sets the time at once.
        write(4, 0x10);
        assertThat(read(4)).isEqualTo(0x10);
        assertThat(offsets).hasSize(2);
    }

    @Test
    void uipIsSetOnlyInTheUpdateCycleWhileTheDividerRuns() {
        at("2026-01-01T00:00:00", 500_000_000L);
        assertThat(read(RtcPeriodic.REG_A) & RtcPeriodic.UIP).isZero();
        at("2026-01-01T00:00:00", S - RtcCalendar.UPDATE_CYCLE_NS);
        assertThat(read(RtcPeriodic.REG_A) & RtcPeriodic.UIP).isEqualTo(RtcPeriodic.UIP);
        write(RtcPeriodic.REG_B, RtcCalendar.SET | 0x06);
        assertThat(read(RtcPeriodic.REG_A) & RtcPeriodic.UIP).isZero();
        write(RtcPeriodic.REG_B, 0x06);
        write(RtcPeriodic.REG_A, 0x70 | 6); // divider held in reset
        assertThat(read(RtcPeriodic.REG_A) & RtcPeriodic.UIP).isZero();
    }

    @Test
    void theAlarmRaisesIrq8WhenItMatchesAndDontCareMatchesEverySecond() {
        at("2026-01-01T10:20:25", 300_000_000L);
        write(RtcPeriodic.REG_B, 0x06); // binary, 24 h
        write(RtcCalendar.HOURS_ALARM, 10);
        write(RtcCalendar.MINUTES_ALARM, 20);
        write(RtcCalendar.SECONDS_ALARM, 30);
        write(RtcPeriodic.REG_B, 0x06 | RtcPeriodic.AIE);
        at("2026-01-01T10:20:29", 500_000_000L);
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isZero();
        at("2026-01-01T10:20:30", 0);
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isEqualTo(1);
        // (PF is there too: the 1024 Hz periodic flag, set lazily with PIE clear.)
        assertThat(read(RtcPeriodic.REG_C) & ~RtcPeriodic.PF).isEqualTo(RtcPeriodic.IRQF | RtcPeriodic.AF | RtcPeriodic.UF);
        assertThat(read(RtcPeriodic.REG_C)).isZero();
        // Don't-care in all three: every second.
        write(RtcCalendar.SECONDS_ALARM, RtcCalendar.DONT_CARE);
        write(RtcCalendar.MINUTES_ALARM, RtcCalendar.DONT_CARE);
        write(RtcCalendar.HOURS_ALARM, RtcCalendar.DONT_CARE);
        for (int i = 0; i < 3; i++) {
            t.advance(S);
            assertThat(read(RtcPeriodic.REG_C) & RtcPeriodic.AF).isEqualTo(RtcPeriodic.AF);
        }
    }

    @Test
    void updateEndedInterruptsComeOncePerSecondInNoAckMode() {
        at("2026-01-01T00:00:00", 100);
        write(RtcPeriodic.REG_B, 0x06 | RtcPeriodic.UIE);
        t.advance(10 * S);
        // Xen's no-ack mode (rtc_update_irq): an edge each second, REG_C read or not.
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isEqualTo(10);
        assertThat(read(RtcPeriodic.REG_C) & ~RtcPeriodic.PF).isEqualTo(RtcPeriodic.IRQF | RtcPeriodic.UF);
        write(RtcPeriodic.REG_B, 0x06); // UIE off: the update timer stops
        t.advance(10 * S);
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isEqualTo(10);
    }
}
