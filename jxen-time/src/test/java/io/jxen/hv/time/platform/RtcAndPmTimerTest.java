package io.jxen.hv.time.platform;

import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.TestPlatform;
import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.hv.time.vpt.VcpuPlatformTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The RTC periodic interrupt and the ACPI PM timer, port by port. */
class RtcAndPmTimerTest {

    private static final long MS = 1_000_000L;

    private final TestPlatform t = new TestPlatform(1);
    private final VcpuPlatformTime v0 = t.platform.vcpu(0);

    private static void rtcWrite(RtcPeriodic rtc, int reg, int value) {
        rtc.write(RtcPeriodic.INDEX_PORT, reg);
        rtc.write(RtcPeriodic.DATA_PORT, value);
    }

    private static int rtcRead(RtcPeriodic rtc, int reg) {
        rtc.write(RtcPeriodic.INDEX_PORT, reg);
        return rtc.read(RtcPeriodic.DATA_PORT);
    }

    @Test
    void rateSelectSetsThePeriodicInterrupt() {
        RtcPeriodic rtc = new RtcPeriodic(t.platform, t.lines);
        assertThat(rtc.periodNs()).isEqualTo(976_563L); // rate 6: 32 cycles of 32 kHz = 1024 Hz
        rtcWrite(rtc, RtcPeriodic.REG_A, RtcPeriodic.REF_CLCK_32KHZ | 15);
        assertThat(rtc.periodNs()).isEqualTo(500_000_000L); // 2 Hz
        rtcWrite(rtc, RtcPeriodic.REG_A, RtcPeriodic.REF_CLCK_32KHZ | 1);
        assertThat(rtc.periodNs()).isEqualTo(3_906_250L); // rate 1 means 8 with 32 kHz: 256 Hz
        rtcWrite(rtc, RtcPeriodic.REG_A, RtcPeriodic.REF_CLCK_32KHZ);
        assertThat(rtc.periodNs()).isZero(); // rate 0: off
        rtcWrite(rtc, RtcPeriodic.REG_A, 0x60 | 6); // divider in reset: off
        assertThat(rtc.periodNs()).isZero();
    }

    @Test
    void periodicInterruptWithPieSetsPfAndIrqfAndRegCReadClearsThem() {
        t.platform.setMode(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        RtcPeriodic rtc = new RtcPeriodic(t.platform, t.lines);
        rtcWrite(rtc, RtcPeriodic.REG_A, RtcPeriodic.REF_CLCK_32KHZ | 15); // 500 ms
        rtcWrite(rtc, RtcPeriodic.REG_B, 0x06 | RtcPeriodic.PIE);
        assertThat(rtc.timer().onList()).isTrue();
        int ticks = 0;
        for (int i = 0; i < 2000; i++) {
            t.advance(MS);
            ticks += t.deliverAll(v0);
        }
        assertThat(ticks).isEqualTo(4);
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isEqualTo(4);
        assertThat(rtcRead(rtc, RtcPeriodic.REG_C)).isEqualTo(RtcPeriodic.IRQF | RtcPeriodic.PF);
        assertThat(rtcRead(rtc, RtcPeriodic.REG_C)).isZero();
        rtcWrite(rtc, RtcPeriodic.REG_B, 0x06); // PIE off: timer destroyed
        assertThat(rtc.timer().onList()).isFalse();
    }

    @Test
    void withoutPiePfIsComputedLazily() {
        RtcPeriodic rtc = new RtcPeriodic(t.platform, t.lines);
        rtcWrite(rtc, RtcPeriodic.REG_A, RtcPeriodic.REF_CLCK_32KHZ | 15); // 500 ms
        assertThat(rtcRead(rtc, RtcPeriodic.REG_C)).isZero();
        t.advance(600 * MS);
        assertThat(rtcRead(rtc, RtcPeriodic.REG_C)).isEqualTo(RtcPeriodic.PF); // no IRQF without PIE
        assertThat(t.lines.count(IrqSource.ISA, RtcPeriodic.IRQ)).isZero();
    }

    @Test
    void pmTimerCountsAt3579545HzWithoutDrift() {
        PmTimer pm = new PmTimer(t.platform, t.queue, t.lines, PmTimer.PM1A_EVT_BLK_V1, 32);
        PmTimer unread = new PmTimer(t.platform, t.queue, t.lines, PmTimer.PM1A_EVT_BLK_V0, 32);
        int tmr = PmTimer.PM1A_EVT_BLK_V1 + PmTimer.TMR_OFFSET;
        assertThat(pm.read(tmr, 4)).isZero();
        // Read every 7 µs for one second: the carried remainder keeps the total exact.
        for (int i = 0; i < 142_857; i++) {
            t.advance(7_000);
            pm.read(tmr, 4);
        }
        t.runTo(1_000_000_000L);
        // Xen's 32.32 scale, (3579545 << 32) / 10^9 = 15374028, truncates: 10^9 ns give
        // 3579544 ticks, however often the counter is read.
        assertThat(Integer.toUnsignedLong(pm.read(tmr, 4))).isEqualTo(3_579_544L);
        assertThat(unread.counter()).isEqualTo(3_579_544L);
        assertThat(pm.read(tmr, 2)).isEqualTo(-1); // only 4-byte reads
        assertThat(pm.handles(0xB008)).isTrue();
        assertThat(pm.handles(0x1F48)).isFalse();
    }

    @Test
    void topBitFlipSetsTmrStsAndRaisesSciWhenEnabled() {
        PmTimer pm = new PmTimer(t.platform, t.queue, t.lines, PmTimer.PM1A_EVT_BLK_V0, 24);
        int sts = PmTimer.PM1A_EVT_BLK_V0;
        pm.write(sts + 2, 2, PmTimer.TMR_STS); // PM1a_EN.TMR_EN
        assertThat(pm.read(sts, 4)).isEqualTo(PmTimer.TMR_STS << 16);
        // 2^23 ticks = 2.343 s; the flip timer sets the status without anyone reading.
        t.advance(2_300 * MS);
        assertThat(pm.read(sts, 2) & PmTimer.TMR_STS).isZero();
        t.advance(100 * MS);
        assertThat(pm.read(sts, 2) & PmTimer.TMR_STS).isEqualTo(PmTimer.TMR_STS);
        assertThat(t.lines.isHigh(IrqSource.ISA, PmTimer.SCI_IRQ)).isTrue();
        pm.write(sts, 2, PmTimer.TMR_STS); // write 1 to clear
        assertThat(pm.read(sts, 2)).isZero();
        assertThat(t.lines.isHigh(IrqSource.ISA, PmTimer.SCI_IRQ)).isFalse();
        // 24-bit wrap.
        t.advance(2_400 * MS);
        assertThat(pm.counter()).isLessThan(1L << 24);
        assertThat(pm.read(sts, 2) & PmTimer.TMR_STS).isEqualTo(PmTimer.TMR_STS);
    }
}
