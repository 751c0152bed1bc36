package io.jxen.sim;

import java.util.function.LongConsumer;

/**
 * Where a simulation test gets its seed: {@code -Djxen.sim.seed=N} replays one run; without
 * it each run draws a fresh seed. Either way the seed is printed when the run fails.
 */
public final class Seeds {

    /** The system property that pins the seed. */
    public static final String PROPERTY = "jxen.sim.seed";

    private Seeds() {
    }

    /** The pinned seed, or a fresh one. */
    public static long next() {
        String pinned = System.getProperty(PROPERTY);
        if (pinned != null && !pinned.isBlank()) {
            return Long.parseLong(pinned.trim());
        }
        return System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
    }

    /**
     * Runs {@code test} with a seed and, if it fails with anything but a
     * {@link SimulationFailure} (which names its seed already), rethrows with the seed added.
     */
    public static void run(LongConsumer test) {
        long seed = next();
        try {
            test.accept(seed);
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (Throwable t) {
            throw new AssertionError("failed with seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + "): "
                    + t.getMessage(), t);
        }
    }
}
