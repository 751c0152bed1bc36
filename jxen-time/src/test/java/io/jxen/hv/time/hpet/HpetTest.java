package io.jxen.hv.time.hpet;

import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.TestPlatform;
import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.hv.time.vpt.VcpuPlatformTime;
import org.junit.jupiter.api.Test;

import static io.jxen.hv.time.hpet.HpetRegisters.BASE_ADDRESS;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG_ENABLE;
import static io.jxen.hv.time.hpet.HpetRegisters.CFG_LEGACY;
import static io.jxen.hv.time.hpet.HpetRegisters.COUNTER;
import static io.jxen.hv.time.hpet.HpetRegisters.ID;
import static io.jxen.hv.time.hpet.HpetRegisters.PERIOD;
import static io.jxen.hv.time.hpet.HpetRegisters.STATUS;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_32BIT;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_ENABLE;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_LEVEL;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_PERIODIC;
import static io.jxen.hv.time.hpet.HpetRegisters.TN_SETVAL;
import static io.jxen.hv.time.hpet.HpetRegisters.tnCfg;
import static io.jxen.hv.time.hpet.HpetRegisters.tnCmp;
import static io.jxen.hv.time.hpet.HpetRegisters.tnRoute;
import static org.assertj.core.api.Assertions.assertThat;

/** Register-level tests of the virtual HPET against xen/arch/x86/hvm/hpet.c. */
class HpetTest {

    private static final long US = 1_000L;
    private static final long MS = 1_000_000L;

    private final TestPlatform t = new TestPlatform(1);
    private final Pit pit = new Pit(t.platform);
    private final Hpet hpet = new Hpet(t.platform, t.lines, pit);
    private final VcpuPlatformTime v0 = t.platform.vcpu(0);

    private long r64(int reg) {
        return hpet.read(BASE_ADDRESS + reg, 8);
    }

    private void w64(int reg, long value) {
        hpet.write(BASE_ADDRESS + reg, 8, value);
    }

    @Test
    void capabilitiesSayXenVendorThreeTimers64BitLegacyAnd16ns() {
        assertThat(HpetRegisters.PERIOD_FS).isEqualTo(0x00F4_2400L);
        assertThat(r64(ID)).isEqualTo(0x00F4_2400_8086_A201L);
        assertThat(hpet.read(BASE_ADDRESS + ID, 4)).isEqualTo(0x8086_A201L);
        assertThat(hpet.read(BASE_ADDRESS + PERIOD, 4)).isEqualTo(16_000_000L);
        assertThat(hpet.read(BASE_ADDRESS + ID, 2)).isEqualTo(0xA201L);
        assertThat(hpet.read(BASE_ADDRESS + ID + 1, 1)).isEqualTo(0xA2L);
        // Per-timer capabilities: IO-APIC pins 20-23, 64-bit and periodic capable; comparators ~0.
        for (int n = 0; n < 3; n++) {
            assertThat(r64(tnCfg(n))).isEqualTo(0x00F0_0000_0000_0030L);
            assertThat(r64(tnCmp(n))).isEqualTo(-1L);
        }
        assertThat(r64(0x0F8)).isZero(); // reserved
        assertThat(Hpet.inRange(BASE_ADDRESS + 1023)).isTrue();
        assertThat(Hpet.inRange(BASE_ADDRESS + 1024)).isFalse();
    }

    @Test
    void misalignedOrOversizedAccessReadsAllOnesAndDropsWrites() {
        assertThat(hpet.read(BASE_ADDRESS + ID + 2, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(hpet.read(BASE_ADDRESS + ID + 4, 8)).isEqualTo(-1L);
        hpet.write(BASE_ADDRESS + CFG + 1, 2, 0xFFFF);
        assertThat(r64(CFG)).isZero();
    }

    @Test
    void hpetEnabledParamOffMeansAllOnes() {
        hpet.setEnabledParam(false);
        assertThat(hpet.read(BASE_ADDRESS + ID, 4)).isEqualTo(0xFFFF_FFFFL);
        w64(CFG, CFG_ENABLE);
        hpet.setEnabledParam(true);
        assertThat(r64(CFG)).isZero();
    }

    @Test
    void mainCounterIsGuestTimeOver16WhileEnabledAndHaltsWhenDisabled() {
        t.advance(MS);
        assertThat(r64(COUNTER)).isZero(); // halted at reset
        w64(COUNTER, 1000); // written while halted
        w64(CFG, CFG_ENABLE);
        t.advance(160 * US);
        assertThat(r64(COUNTER)).isEqualTo(1000 + 10_000);
        assertThat(hpet.mainCounter()).isEqualTo(11_000);
        w64(CFG, 0);
        t.advance(MS);
        assertThat(r64(COUNTER)).isEqualTo(11_000);
        w64(CFG, CFG_ENABLE);
        t.advance(16);
        assertThat(r64(COUNTER)).isEqualTo(11_001);
        // 32-bit halves of the counter.
        w64(CFG, 0);
        w64(COUNTER, 0x1_2345_6789L);
        assertThat(hpet.read(BASE_ADDRESS + COUNTER, 4)).isEqualTo(0x2345_6789L);
        assertThat(hpet.read(BASE_ADDRESS + COUNTER + 4, 4)).isEqualTo(1L);
        // A guest that steps its own time moves the counter with it.
        w64(CFG, CFG_ENABLE);
        v0.setGuestTime(v0.guestTime() + 16 * 100);
        assertThat(r64(COUNTER)).isEqualTo(0x1_2345_6789L + 100);
    }

    @Test
    void subRegisterWritesMergeAndOnlyWritableBitsChange() {
        hpet.write(BASE_ADDRESS + CFG, 1, 0xFF);
        assertThat(r64(CFG)).isEqualTo(CFG_ENABLE | CFG_LEGACY);
        w64(tnCfg(2), -1L);
        // Writable: LEVEL|ENABLE|PERIODIC|SETVAL|32BIT|ROUTE; the caps stay as they were.
        // Route 31 is not allowed (pins 20-23): the enabled timer gets pin 20.
        long cfg = r64(tnCfg(2));
        assertThat(cfg >>> 32).isEqualTo(0x00F0_0000L);
        assertThat(cfg & 0x3E00).isEqualTo(20L << 9);
        assertThat(cfg & (TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT)).isEqualTo(
                TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT);
        assertThat(cfg & 0x4000).isZero(); // FSB delivery is not offered
        w64(tnRoute(2), 0xFEE0_0000_0000_0041L);
        assertThat(r64(tnRoute(2))).isEqualTo(0xFEE0_0000_0000_0041L); // stored, unused
    }

    @Test
    void oneShotComparatorFiresOnceOnItsIoapicPin() {
        t.platform.setMode(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        w64(CFG, CFG_ENABLE);
        t.advance(MS);
        long now = r64(COUNTER);
        w64(tnCmp(1), now + 1000); // 16 µs ahead
        w64(tnCfg(1), TN_ENABLE | (22L << 9));
        t.advance(15 * US);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        t.advance(US);
        assertThat(v0.updateIrq()).isEqualTo(22);
        assertThat(t.lines.count(IrqSource.IOAPIC, 22)).isEqualTo(1);
        v0.intrPost(IrqSource.IOAPIC, 22);
        t.advance(100 * MS);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        assertThat(r64(tnCmp(1))).isEqualTo(now + 1000); // one-shot comparators do not move
    }

    @Test
    void comparatorInThePastFiresAtOnce() {
        w64(CFG, CFG_ENABLE);
        t.advance(MS);
        w64(tnCmp(0), 5);
        w64(tnCfg(0), TN_ENABLE | (20L << 9));
        t.advance(0);
        assertThat(v0.updateIrq()).isEqualTo(20);
    }

    @Test
    void legacyReplacementRoutesTimer0ToIrq0AndTimer1ToIrq8AndSilencesThePit() {
        pit.write(Pit.COMMAND_PORT, 1, 0x34); // channel 0, lobyte/hibyte, mode 2
        pit.write(Pit.BASE_PORT, 1, 0x9C);
        pit.write(Pit.BASE_PORT, 1, 0x2E); // 11932: ~10 ms
        assertThat(pit.channel0Timer().onList()).isTrue();
        w64(CFG, CFG_ENABLE | CFG_LEGACY);
        long now = r64(COUNTER);
        w64(tnCmp(0), now + 62_500); // 1 ms
        w64(tnCfg(0), TN_ENABLE);
        assertThat(pit.channel0Timer().onList()).isFalse();
        w64(tnCmp(1), now + 125_000); // 2 ms
        w64(tnCfg(1), TN_ENABLE);
        t.advance(MS);
        assertThat(v0.updateIrq()).isEqualTo(0);
        v0.intrPost(IrqSource.ISA, 0);
        t.advance(MS);
        assertThat(v0.updateIrq()).isEqualTo(8);
        v0.intrPost(IrqSource.ISA, 8);
        assertThat(t.lines.count(IrqSource.ISA, 0)).isEqualTo(1);
        assertThat(t.lines.count(IrqSource.ISA, 8)).isEqualTo(1);
        assertThat(t.lines.count(IrqSource.IOAPIC, 20)).isZero();
    }

    @Test
    void periodicNeedsSetvalForTheAccumulatorAndThenTheSecondWriteIsThePeriod() {
        t.platform.setMode(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        w64(CFG, CFG_ENABLE);
        long start = r64(COUNTER);
        w64(tnCfg(0), TN_ENABLE | TN_PERIODIC | TN_SETVAL | (20L << 9));
        w64(tnCmp(0), start + 62_500);   // accumulator: first tick in 1 ms
        assertThat(r64(tnCfg(0)) & TN_SETVAL).isZero(); // self-clearing
        w64(tnCmp(0), 62_500);           // period: 1 ms
        int ticks = 0;
        for (int i = 0; i < 100; i++) {
            t.advance(100 * US);
            ticks += t.deliverAll(v0);
        }
        assertThat(ticks).isEqualTo(10);
        // A periodic comparator reads as the next match after the counter.
        long counter = r64(COUNTER);
        long cmp = r64(tnCmp(0));
        assertThat(cmp).isGreaterThan(counter).isLessThanOrEqualTo(counter + 62_500);
        assertThat((cmp - start) % 62_500).isZero();
    }

    @Test
    void periodicPeriodIsClampedToOneHundredMicroseconds() {
        t.platform.setMode(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        w64(CFG, CFG_ENABLE);
        w64(tnCfg(0), TN_ENABLE | TN_PERIODIC | TN_SETVAL | (20L << 9));
        w64(tnCmp(0), r64(COUNTER) + 10);
        w64(tnCmp(0), 10); // 160 ns asked: raised to 100 µs = 6250 ticks
        int ticks = 0;
        for (int i = 0; i < 100; i++) {
            t.advance(10 * US);
            ticks += t.deliverAll(v0);
        }
        assertThat(ticks).isBetween(10, 11);
    }

    @Test
    void thirtyTwoBitModeTruncatesAndTreatsALargePastValueAsAWrap() {
        w64(CFG, 0);
        w64(COUNTER, 0xFFFF_F000L); // 4096 ticks before the 32-bit wrap
        w64(CFG, CFG_ENABLE);
        w64(tnCfg(0), TN_ENABLE | TN_32BIT | (20L << 9));
        w64(tnCmp(0), 0x1_0000_1000L); // truncated to 0x1000: 8192 ticks ahead after the wrap
        assertThat(r64(tnCmp(0))).isEqualTo(0x1000L);
        t.advance(8191 * 16);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        t.advance(16);
        assertThat(v0.updateIrq()).isEqualTo(20);
        // A value a little in the past (within 1/1024 s of ticks) fires at once instead.
        v0.intrPost(IrqSource.IOAPIC, 20);
        long now32 = r64(COUNTER) & 0xFFFF_FFFFL;
        w64(tnCmp(0), now32 - 100);
        t.advance(0);
        assertThat(v0.updateIrq()).isEqualTo(20);
    }

    @Test
    void levelTimerLatchesStatusUntilTheGuestClearsIt() {
        w64(CFG, CFG_ENABLE);
        w64(tnCmp(2), r64(COUNTER) + 100);
        w64(tnCfg(2), TN_ENABLE | TN_LEVEL | (21L << 9));
        t.advance(1600);
        assertThat(v0.updateIrq()).isEqualTo(21);
        assertThat(t.lines.isHigh(IrqSource.IOAPIC, 21)).isTrue();
        assertThat(r64(STATUS)).isEqualTo(4);
        hpet.write(BASE_ADDRESS + STATUS, 4, 2); // wrong bit: nothing
        assertThat(r64(STATUS)).isEqualTo(4);
        hpet.write(BASE_ADDRESS + STATUS, 4, 4);
        assertThat(r64(STATUS)).isZero();
        assertThat(t.lines.isHigh(IrqSource.IOAPIC, 21)).isFalse();
    }
}
