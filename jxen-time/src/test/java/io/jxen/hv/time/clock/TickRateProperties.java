package io.jxen.hv.time.clock;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TickRate}'s fixed-point conversion is the exact {@code floor(nanos * hz / 10^9)}
 * (modulo 2^64, as {@link TscModel#ticks}) for every non-negative time and every frequency the
 * model allows, including the instants where a tick boundary falls, and is monotonic.
 */
class TickRateProperties {

    private static final BigInteger NS_PER_S = BigInteger.valueOf(1_000_000_000L);

    private static long exact(long nanos, long hz) {
        return BigInteger.valueOf(nanos).multiply(BigInteger.valueOf(hz)).divide(NS_PER_S).longValue();
    }

    @Provide
    Arbitrary<Long> frequencies() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, 9_000_000_000L),
                Arbitraries.of(1L, 3L, 7L, 1_000_000_000L, 1_000_000_007L, 2_500_000_000L, 2_399_999_999L,
                        3_000_000_000L, 8_999_999_999L, 9_000_000_000L, 1_193_182L, 14_318_180L));
    }

    @Provide
    Arbitrary<Long> times() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, Long.MAX_VALUE),
                // the times that matter: up to ten years of host uptime
                Arbitraries.longs().between(0, 10L * 366 * 86_400 * 1_000_000_000L),
                Arbitraries.of(0L, 1L, 999_999_999L, 1_000_000_000L, Long.MAX_VALUE, Long.MAX_VALUE - 1,
                        (1L << 62) - 1, 1L << 62, (1L << 53) + 1));
    }

    @Property(tries = 5_000)
    void equalsTheExactDivision(@ForAll("times") long nanos, @ForAll("frequencies") long hz) {
        long ticks = new TickRate(hz).ticks(nanos);
        assertThat(ticks).isEqualTo(exact(nanos, hz));
        assertThat(ticks).isEqualTo(TscModel.ticks(nanos, hz));
    }

    /** The first nanosecond of tick {@code k} and the one before it: where a rounding error would show. */
    @Property(tries = 5_000)
    void tickBoundariesAreExact(@ForAll("frequencies") long hz,
                                @ForAll @LongRange(min = 1, max = 1L << 62) long k) {
        BigInteger big = BigInteger.valueOf(k).multiply(NS_PER_S);
        BigInteger[] qr = big.divideAndRemainder(BigInteger.valueOf(hz));
        BigInteger first = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE); // ceil(k * 10^9 / hz)
        if (first.bitLength() > 63) {
            return; // beyond the long range of time
        }
        TickRate rate = new TickRate(hz);
        long n = first.longValueExact();
        assertThat(rate.ticks(n)).isEqualTo(exact(n, hz));
        assertThat(rate.ticks(n - 1)).isEqualTo(exact(n - 1, hz));
        // Above 1 GHz one nanosecond spans several ticks: n reaches at least tick k, n - 1 not.
        assertThat(rate.ticks(n)).isGreaterThanOrEqualTo(k);
        assertThat(rate.ticks(n - 1)).isLessThan(k);
    }

    @Property(tries = 2_000)
    void isMonotonic(@ForAll("frequencies") long hz,
                     // up to where 9 GHz ticks still fit a signed long (no wrap)
                     @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 9 - 1_000_000_001L) long a,
                     @ForAll @LongRange(min = 0, max = 1_000_000_000L) long step) {
        TickRate rate = new TickRate(hz);
        assertThat(rate.ticks(a + step)).isGreaterThanOrEqualTo(rate.ticks(a));
        assertThat(rate.ticks(a + 1)).isGreaterThanOrEqualTo(rate.ticks(a));
    }

    /** Frequencies with the one-multiply path: hz = p * 10^9 / 2^k, every multiple of 1,953,125 Hz. */
    @Provide
    Arbitrary<Long> shortcutFrequencies() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, 9_000_000_000L / 1_953_125L).map(m -> m * 1_953_125L),
                Arbitraries.of(1_953_125L, 1_000_000_000L, 2_500_000_000L, 3_000_000_000L, 2_250_000_000L,
                        3_906_250L, 9_000_000_000L, 8_998_046_875L));
    }

    @Property(tries = 5_000)
    void theShortcutEqualsTheExactDivision(@ForAll("times") long nanos, @ForAll("shortcutFrequencies") long hz) {
        TickRate rate = new TickRate(hz);
        assertThat(rate.hasShortcut()).isTrue();
        assertThat(rate.ticks(nanos)).isEqualTo(exact(nanos, hz));
    }

    /** Both sides of where the one-multiply path ends (the product leaves 64 bits). */
    @Property(tries = 2_000)
    void theShortcutsLimitIsExactOnBothSides(@ForAll("shortcutFrequencies") long hz,
                                             @ForAll @LongRange(min = -3, max = 3) long around) {
        TickRate rate = new TickRate(hz);
        long nanos = rate.shortcutLimit() + around;
        if (nanos < 0) {
            return; // the limit is past 2^63 for the smallest multipliers: no long time reaches it
        }
        assertThat(rate.ticks(nanos)).isEqualTo(exact(nanos, hz));
    }

    @Test
    void whichFrequenciesHaveTheShortcut() {
        assertThat(new TickRate(2_500_000_000L).hasShortcut()).isTrue();   // 5/2
        assertThat(new TickRate(1_000_000_000L).hasShortcut()).isTrue();   // 1/1
        assertThat(new TickRate(1_953_125L).hasShortcut()).isTrue();       // 1/512
        assertThat(new TickRate(2_399_999_999L).hasShortcut()).isFalse();
        assertThat(new TickRate(2_400_000_000L).hasShortcut()).isFalse();  // 12/5: takes the general path
        assertThat(new TickRate(1_193_182L).hasShortcut()).isFalse();      // the PIT's
        // without the shortcut only time 0 takes it (0 ticks, exact)
        assertThat(new TickRate(1_193_182L).ticks(0)).isZero();
        assertThat(new TickRate(1_193_182L).shortcutLimit()).isZero();
    }

    @Test
    void negativeTimesTakeTheDivision() {
        TickRate rate = new TickRate(2_500_000_000L);
        assertThat(rate.ticks(-1)).isEqualTo(TscModel.ticks(-1, 2_500_000_000L)).isEqualTo(-3);
        assertThat(rate.ticks(Long.MIN_VALUE)).isEqualTo(TscModel.ticks(Long.MIN_VALUE, 2_500_000_000L));
    }

    @Test
    void outOfRangeFrequenciesAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TickRate(0))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TickRate(9_000_000_001L))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
