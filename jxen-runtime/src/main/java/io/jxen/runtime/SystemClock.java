package io.jxen.runtime;

import java.time.Instant;

/** The host's clocks: {@link System#nanoTime()} and the UTC wall clock. */
public final class SystemClock implements Clock {

    /** The one instance; the system clock has no state. */
    public static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
