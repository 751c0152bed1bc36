package io.jxen.hypercall.pvclock;

/**
 * The fixed-point arithmetic of {@code struct vcpu_time_info} (xen.h): a TSC delta is
 * shifted by {@code tsc_shift} (right when negative), multiplied by the 32.32 fraction
 * {@code tsc_to_system_mul}, and the product's bits 32..95 are kept.
 *
 * <p>That is exactly what Xen's {@code scale_delta} (xen/arch/x86/time.c, {@code mulq; shrd $32})
 * and the guests compute: Linux {@code pvclock_scale_delta} (arch/x86/include/asm/pvclock.h,
 * {@code mul_u64_u32_shr(delta, mul_frac, 32)}), FreeBSD {@code pvclock_scale_delta}. The shift
 * is applied to the unsigned 64-bit delta, so bits shifted out on the left are lost as they are
 * in C.
 *
 * <p>The guest's copy; the hypervisor side ({@code io.jxen.hv.time.clock.TimeScale}) keeps its
 * own {@code scale_delta}, as Xen and the guests each have theirs.
 */
public final class PvClockMath {

    private PvClockMath() {
    }

    /**
     * Scales an unsigned TSC delta to nanoseconds.
     *
     * @param delta   unsigned ticks
     * @param mulFrac {@code tsc_to_system_mul}, unsigned 32.32 fraction
     * @param shift   {@code tsc_shift}, signed
     * @return unsigned nanoseconds, modulo 2^64 as in C
     */
    public static long scaleDelta(long delta, int mulFrac, int shift) {
        long shifted = shift < 0 ? delta >>> -shift : delta << shift;
        long mul = Integer.toUnsignedLong(mulFrac);
        // 64x32 -> 96-bit product; keep bits 32..95 (the low 64 bits of product >> 32).
        long low = shifted * mul;
        long high = Math.unsignedMultiplyHigh(shifted, mul);
        return (high << 32) | (low >>> 32);
    }

    /**
     * The header's formula: {@code system_time + scale(tsc - tsc_timestamp)}, with the
     * subtraction done unsigned as the guests do (a TSC behind the stamp wraps).
     */
    public static long systemTime(long tsc, long tscTimestamp, long systemTimeNs, int mulFrac, int shift) {
        return systemTimeNs + scaleDelta(tsc - tscTimestamp, mulFrac, shift);
    }

    /**
     * TSC frequency implied by a scale, as FreeBSD's {@code pvclock_tsc_freq} and the header
     * (vcpu_time_info comment) compute it: {@code ((10^9 << 32) / mul) >> shift}
     * ({@code << -shift} when the shift is negative).
     */
    public static long tscFrequencyHz(int mulFrac, int shift) {
        long freq = (1_000_000_000L << 32) / Integer.toUnsignedLong(mulFrac);
        return shift < 0 ? freq << -shift : freq >>> shift;
    }
}
