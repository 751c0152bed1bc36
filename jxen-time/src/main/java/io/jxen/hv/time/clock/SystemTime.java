package io.jxen.hv.time.clock;

import io.jxen.runtime.Clock;
import io.jxen.runtime.SystemClock;

import java.util.Objects;

/**
 * The host's system time, Xen's {@code NOW()}: nanoseconds since the host booted, read from
 * the injected {@link Clock}. Every deadline and {@code system_time} in this module is on
 * this scale.
 */
public final class SystemTime {

    private final Clock clock;
    // The host clock is read directly rather than through the Clock interface, which has a
    // simulated implementation too: every guest rdtsc and pvclock read comes through now().
    private final boolean hostClock;
    private final long bootNanoTime;
    private final long bootEpochNanos;

    /** Boots now: system time 0 is the clock's present instant. */
    public SystemTime(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.hostClock = clock == SystemClock.INSTANCE;
        this.bootNanoTime = clock.nanoTime();
        this.bootEpochNanos = clock.epochNanos();
    }

    /** Nanoseconds since boot. */
    public long now() {
        return (hostClock ? SystemClock.INSTANCE.nanoTime() : clock.nanoTime()) - bootNanoTime;
    }

    /** Wall-clock nanoseconds since the epoch at system time 0, as the host clock saw it at boot. */
    public long bootEpochNanos() {
        return bootEpochNanos;
    }

    /** Whether the clock is the host's ({@link SystemClock#INSTANCE}), read directly. */
    boolean hostClock() {
        return hostClock;
    }

    /** The clock's reading at system time 0. */
    long bootNanoTime() {
        return bootNanoTime;
    }

    /** The clock underneath. */
    public Clock clock() {
        return clock;
    }
}
