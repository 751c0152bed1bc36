package io.jxen.hv.time.hpet;

import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.vpt.TestPlatform;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A guest writing anything anywhere in the HPET window cannot break the device's invariants. */
class HpetProperties {

    record Access(boolean write, int offset, int length, long value, long advanceNs) {
    }

    @Provide
    Arbitrary<Access> accesses() {
        Arbitrary<Integer> offsets = Arbitraries.oneOf(
                Arbitraries.of(0x000, 0x004, 0x010, 0x020, 0x0F0, 0x0F4, 0x100, 0x104, 0x108, 0x10C, 0x110,
                        0x120, 0x128, 0x130, 0x140, 0x148, 0x150, 0x160),
                Arbitraries.integers().between(0, 2047));
        return Combinators.combine(Arbitraries.of(true, false), offsets, Arbitraries.of(1, 2, 3, 4, 8, 16),
                Arbitraries.longs(), Arbitraries.longs().between(0, 5_000_000))
                .as(Access::new);
    }

    @Property(tries = 200)
    void anyAccessSequenceKeepsTheInvariants(@ForAll @Size(max = 200) List<@net.jqwik.api.From("accesses") Access> script) {
        TestPlatform t = new TestPlatform(1);
        Hpet hpet = new Hpet(t.platform, t.lines, new Pit(t.platform));
        long base = HpetRegisters.BASE_ADDRESS;
        for (Access a : script) {
            if (a.write()) {
                hpet.write(base + a.offset(), a.length(), a.value());
            } else {
                long v = hpet.read(base + a.offset(), a.length());
                if (a.length() < 8) {
                    assertThat(v >>> (a.length() * 8)).isZero();
                }
            }
            t.advance(a.advanceNs());
            t.deliverAll(t.platform.vcpu(0));
            assertThat(hpet.read(base, 8)).isEqualTo(HpetRegisters.CAPABILITY);
            assertThat(hpet.read(base + HpetRegisters.CFG, 8) & ~3L).isZero();
            assertThat(hpet.read(base + HpetRegisters.STATUS, 8) & ~7L).isZero();
            for (int n = 0; n < HpetRegisters.TIMERS; n++) {
                long cfg = hpet.read(base + HpetRegisters.tnCfg(n), 8);
                assertThat(cfg >>> 32).isEqualTo(0x00F0_0000L); // route capability is read-only
                assertThat(cfg & 0x30).isEqualTo(0x30);         // 64-bit and periodic capable
                assertThat(cfg & 0xC081L).isZero();             // FSB, reserved bits stay clear
                if ((cfg & HpetRegisters.TN_32BIT) != 0) {
                    assertThat(hpet.read(base + HpetRegisters.tnCmp(n), 8) >>> 32).isZero();
                }
                if ((cfg & HpetRegisters.TN_ENABLE) != 0 && (hpet.read(base + HpetRegisters.CFG, 8) & 2) == 0) {
                    int route = (int) ((cfg >>> 9) & 0x1F);
                    assertThat(route).isBetween(20, 23); // an enabled timer always has a valid pin
                }
            }
        }
    }
}
