package io.jxen.runtime;

/**
 * The only place jxen reads time. Components take a clock in their constructor instead of
 * calling {@code System.nanoTime()}, so the simulation can run hours of guest time in
 * milliseconds and a test can step time exactly.
 */
public interface Clock {

    /** Monotonic nanoseconds from an arbitrary origin; never goes backwards. */
    long nanoTime();

    /** Wall-clock nanoseconds since the Unix epoch; may be stepped (settime). */
    long epochNanos();
}
