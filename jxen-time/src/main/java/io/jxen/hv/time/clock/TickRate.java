package io.jxen.hv.time.clock;

import java.math.BigInteger;

/**
 * Nanoseconds to whole ticks of a {@code hz} counter, {@code floor(nanos * hz / 10^9)}, by one
 * fixed-point multiply instead of divisions: the TSC read on every guest {@code rdtsc} and
 * pvclock read, so its cost is on the clock's hot path.
 *
 * <p>The multiplier is {@code M = ceil(hz * 2^94 / 10^9)} (at most 98 bits for 9 GHz, kept as a
 * high and a low word) and the result is {@code floor(nanos * M / 2^94)}. That is exactly the
 * division's result for every {@code 0 <= nanos < 2^63}: {@code M} exceeds the true ratio by
 * less than {@code 2^-94}, so the product exceeds {@code nanos * hz / 10^9} by less than
 * {@code 2^63 / 2^94 = 2^-31}, while a non-integer {@code nanos * hz / 10^9} is at least
 * {@code 10^-9 > 2^-31} below the next integer; the floor cannot move. Results that do not fit
 * 64 bits wrap as {@link TscModel#ticks} does (both are the exact value modulo 2^64). Negative
 * times (before boot; no caller passes them) take the division.
 *
 * <p>Most frequencies are a whole number of GHz over a power of two ({@code hz / 10^9 = p / 2^k},
 * {@code k <= 9}: 2.5 GHz is 5/2, 3 GHz is 3/1; every multiple of 1,953,125 Hz): for those the
 * same floor is {@code (nanos * p) >>> k} with one multiply, exact while the product fits 64
 * unsigned bits (for 2.5 GHz: 117 years of uptime), so {@link #ticks} takes that path first.
 * Other frequencies (2.4 GHz is 12/5) take the general multiply above.
 *
 * <p>Verified against {@link BigInteger} arithmetic by {@code TickRateProperties}.
 */
public final class TickRate {

    private static final long NS_PER_S = 1_000_000_000L;
    /** Fraction bits of the multiplier: 2^94 > 2^63 * 10^9 (see the class comment). */
    static final int FRACTION_BITS = 94;

    /** Largest {@code k} with {@code 2^k | 10^9}: 10^9 = 2^9 * 5^9. */
    private static final int MAX_POWER_OF_TWO = 9;

    private final long hz;
    private final long mulHigh;
    private final long mulLow;
    // The exact shortcut for hz = p * 10^9 / 2^k: ticks = (nanos * p) >>> k for unsigned
    // nanos <= fastLimit. Without a shortcut: fastLimit 0 and fastMul 0 (nanos 0 gives 0, exact).
    private final long fastMul;
    private final int fastShift;
    private final long fastLimit;

    /** @param hz ticks per second, 1 Hz to 9 GHz (as {@link TscModel}) */
    public TickRate(long hz) {
        new TscModel(hz, true); // range check
        this.hz = hz;
        BigInteger m = BigInteger.valueOf(hz).shiftLeft(FRACTION_BITS)
                .add(BigInteger.valueOf(NS_PER_S - 1))
                .divide(BigInteger.valueOf(NS_PER_S)); // ceil
        this.mulHigh = m.shiftRight(64).longValueExact(); // < 2^34
        this.mulLow = m.longValue();
        long mul = 0;
        int shift = 0;
        for (int k = 0; k <= MAX_POWER_OF_TWO; k++) {
            long scaled = hz << k; // < 9e9 * 2^9 < 2^43
            if (scaled % NS_PER_S == 0) {
                mul = scaled / NS_PER_S;
                shift = k;
                break;
            }
        }
        this.fastMul = mul;
        this.fastShift = shift;
        // nanos * p fits 64 unsigned bits up to floor((2^64 - 1) / p)
        this.fastLimit = mul == 0 ? 0 : Long.divideUnsigned(-1L, mul);
    }

    /** Whether {@link #ticks} has the one-multiply path for this frequency (tests, diagnostics). */
    public boolean hasShortcut() {
        return fastMul != 0;
    }

    /** The largest time the one-multiply path covers (0 without it). */
    long shortcutLimit() {
        return fastLimit;
    }

    /** The one-multiply path's {@code p} (0 without it). */
    long shortcutMul() {
        return fastMul;
    }

    /** The one-multiply path's {@code k}. */
    int shortcutShift() {
        return fastShift;
    }

    /** The counter's frequency. */
    public long hz() {
        return hz;
    }

    /** Whole ticks in {@code nanos}: {@link TscModel#ticks(long, long)} without its divisions. */
    public long ticks(long nanos) {
        // Unsigned: negative times are beyond the limit and go on to the general paths.
        if (Long.compareUnsigned(nanos, fastLimit) <= 0) {
            return (nanos * fastMul) >>> fastShift;
        }
        if (nanos < 0) {
            return TscModel.ticks(nanos, hz);
        }
        // nanos * M = high2 * 2^128 + (low2 + high1) * 2^64 + low1, where nanos * mulLow =
        // high1:low1 and nanos * mulHigh = high2:low2 (< 2^97, both factors non-negative).
        long high1 = Math.unsignedMultiplyHigh(nanos, mulLow);
        long low2 = nanos * mulHigh;
        long high2 = Math.multiplyHigh(nanos, mulHigh);
        long mid = low2 + high1;
        long carry = Long.compareUnsigned(mid, low2) < 0 ? 1 : 0;
        // Bits 94..157 of the product; low1 only adds to the fraction below bit 64.
        return ((high2 + carry) << (128 - FRACTION_BITS)) | (mid >>> (FRACTION_BITS - 64));
    }
}
