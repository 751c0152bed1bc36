package io.jxen.hv.time.clock;

/**
 * Xen's {@code struct time_scale}: the {@code (mul_frac, shift)} pair that turns ticks of a
 * counter into nanoseconds, published as {@code tsc_to_system_mul} and {@code tsc_shift}.
 *
 * @param mulFrac unsigned 32.32 multiplier, always at least 2^31 (the fraction is in [0.5, 1))
 * @param shift   signed pre-shift of the tick delta
 */
public record TimeScale(int mulFrac, int shift) {

    private static final long NS_PER_S = 1_000_000_000L;

    /**
     * Xen's {@code set_time_scale} (xen/arch/x86/time.c): halve the rate until it is at most
     * 2 GHz, double it while it is at most 1 GHz, then {@code mul_frac = (10^9 << 32) / rate}
     * ({@code div_frac}). The rate ends in (1 GHz, 2 GHz], so the fraction is in [0.5, 1).
     *
     * @param ticksPerSecond the counter's frequency, positive
     */
    public static TimeScale of(long ticksPerSecond) {
        if (ticksPerSecond <= 0) {
            throw new IllegalArgumentException("frequency must be positive: " + ticksPerSecond);
        }
        long tps64 = ticksPerSecond;
        int shift = 0;
        while (tps64 > 2 * NS_PER_S) {
            tps64 >>>= 1;
            shift--;
        }
        long tps32 = tps64 & 0xFFFF_FFFFL;
        while (tps32 <= NS_PER_S) {
            tps32 = (tps32 << 1) & 0xFFFF_FFFFL;
            shift++;
        }
        // div_frac(10^9, tps32): the 64/32 divl of edx:eax = 10^9:0 by tps32.
        int mulFrac = (int) ((NS_PER_S << 32) / tps32);
        return new TimeScale(mulFrac, shift);
    }

    /**
     * Nanoseconds for an unsigned tick delta: Xen's {@code scale_delta} (xen/arch/x86/time.c,
     * {@code mulq; shrd $32}): shift the unsigned delta by {@code shift}, multiply by the 32.32
     * fraction and keep bits 32..95. The guest computes the same in its own copy
     * ({@code io.jxen.hypercall.pvclock.PvClockMath}); each side has its own, as on Xen.
     */
    public long scale(long ticks) {
        long shifted = shift < 0 ? ticks >>> -shift : ticks << shift;
        long mul = Integer.toUnsignedLong(mulFrac);
        return (Math.unsignedMultiplyHigh(shifted, mul) << 32) | ((shifted * mul) >>> 32);
    }
}
