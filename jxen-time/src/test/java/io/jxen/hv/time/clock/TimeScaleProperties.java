package io.jxen.hv.time.clock;

import io.jxen.hypercall.pvclock.PvClockMath;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Xen's set_time_scale and scale_delta, against known vectors and exact arithmetic. */
class TimeScaleProperties {

    @Test
    void oneGigahertzIsShiftOneHalfFraction() {
        // 1 GHz is doubled once (tps32 <= 10^9) and div_frac(10^9, 2*10^9) = 2^31.
        assertThat(TimeScale.of(1_000_000_000L)).isEqualTo(new TimeScale(0x8000_0000, 1));
    }

    @Test
    void threeGigahertzIsHalvedOnce() {
        // 3 GHz > 2 GHz, halved to 1.5 GHz: shift -1, fraction 2^32 / 1.5 = 0xAAAAAAAA.
        assertThat(TimeScale.of(3_000_000_000L)).isEqualTo(new TimeScale(0xAAAA_AAAA, -1));
    }

    @Test
    void scaleDeltaKeepsBits32To95OfTheProduct() {
        // (2^63 * 0xFFFFFFFF) >> 32 wraps modulo 2^64, as the mulq/shrd pair does.
        long delta = Long.MIN_VALUE;
        long expected = java.math.BigInteger.ONE.shiftLeft(63)
                .multiply(java.math.BigInteger.valueOf(0xFFFF_FFFFL)).shiftRight(32).longValue();
        assertThat(PvClockMath.scaleDelta(delta, 0xFFFF_FFFF, 0)).isEqualTo(expected);
        assertThat(PvClockMath.scaleDelta(8, 0x8000_0000, -2)).isEqualTo(1);
        assertThat(PvClockMath.scaleDelta(3, 0x8000_0000, 1)).isEqualTo(3);
    }

    @Property
    void fractionIsInHalfToOneAndOneSecondScalesToOneSecond(
            @ForAll @LongRange(min = 1_000, max = 9_000_000_000L) long hz) {
        TimeScale scale = TimeScale.of(hz);
        assertThat(Integer.toUnsignedLong(scale.mulFrac())).isGreaterThanOrEqualTo(1L << 31);
        long ns = scale.scale(hz);
        // Error sources: the fraction is truncated (< 2^-31 relative after the shift) and a
        // negative shift drops up to 2^-shift - 1 ticks.
        long tickNs = Math.max(1, 1_000_000_000L / hz);
        long slack = 2 + (scale.shift() < 0 ? tickNs << -scale.shift() : tickNs);
        assertThat(ns).isBetween(1_000_000_000L - slack, 1_000_000_000L);
    }

    @Property
    void scaleDeltaEqualsBigIntegerArithmetic(@ForAll long delta, @ForAll int mul,
                                              @ForAll @LongRange(min = -31, max = 31) long shift) {
        java.math.BigInteger d = new java.math.BigInteger(Long.toUnsignedString(delta));
        java.math.BigInteger mask = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
        java.math.BigInteger shifted = shift < 0 ? d.shiftRight((int) -shift) : d.shiftLeft((int) shift).and(mask);
        long expected = shifted.multiply(java.math.BigInteger.valueOf(Integer.toUnsignedLong(mul)))
                .shiftRight(32).and(mask).longValue();
        assertThat(PvClockMath.scaleDelta(delta, mul, (int) shift)).isEqualTo(expected);
    }

    @Property
    void impliedFrequencyMatches(@ForAll @LongRange(min = 1_000_000, max = 9_000_000_000L) long hz) {
        TimeScale scale = TimeScale.of(hz);
        long implied = PvClockMath.tscFrequencyHz(scale.mulFrac(), scale.shift());
        assertThat((double) Math.abs(implied - hz) / hz).isLessThan(1e-8);
    }
}
