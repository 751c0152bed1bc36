package io.jxen.hv.time.clock;

/**
 * The host's TSC: a counter at {@code frequencyHz} since boot, derived from system time (there
 * is no real {@code rdtsc} under a user-space hypervisor, so the TSC is a pure function of the
 * injected clock and therefore exact and reproducible).
 *
 * @param frequencyHz ticks per second, 1 Hz to 9 GHz (the tick arithmetic is exact in 64 bits
 *                    up to that)
 * @param stable      whether Xen's clocksource is the TSC, which decides
 *                    {@code XEN_PVCLOCK_TSC_STABLE_BIT} (xen/arch/x86/time.c,
 *                    {@code clocksource_is_tsc()})
 */
public record TscModel(long frequencyHz, boolean stable) {

    private static final long NS_PER_S = 1_000_000_000L;

    /** Bounds the frequency. */
    public TscModel {
        if (frequencyHz <= 0 || frequencyHz > 9_000_000_000L) {
            throw new IllegalArgumentException("TSC frequency out of range: " + frequencyHz);
        }
    }

    /**
     * Whole ticks of a {@code hz} counter in {@code nanos} nanoseconds, exact (floor) for
     * non-negative {@code nanos}.
     */
    public static long ticks(long nanos, long hz) {
        long seconds = Math.floorDiv(nanos, NS_PER_S);
        long rest = Math.floorMod(nanos, NS_PER_S);
        return seconds * hz + rest * hz / NS_PER_S;
    }

    /** The host TSC at a system time. */
    public long tscAt(long systemTimeNs) {
        return ticks(systemTimeNs, frequencyHz);
    }
}
