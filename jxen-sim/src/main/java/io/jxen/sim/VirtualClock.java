package io.jxen.sim;

import io.jxen.runtime.Clock;

/**
 * Simulated time: it moves only when the simulation (or a test) advances it. Monotonic time
 * and wall time move together; the wall clock can additionally be stepped, as a host's
 * settime would.
 */
public final class VirtualClock implements Clock {

    private long nanoTime;
    private long epochOffsetNanos;

    /** Starts at monotonic 0 and wall time {@code epochNanos}. */
    public VirtualClock(long epochNanos) {
        this.epochOffsetNanos = epochNanos;
    }

    @Override
    public long nanoTime() {
        return nanoTime;
    }

    @Override
    public long epochNanos() {
        return nanoTime + epochOffsetNanos;
    }

    /**
     * Moves time forward.
     *
     * @param nanos how far; must not be negative (monotonic time never goes back)
     */
    public void advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("time cannot go backwards: " + nanos);
        }
        nanoTime = Math.addExact(nanoTime, nanos);
    }

    /** Moves monotonic time to {@code deadline} if it lies ahead; does nothing otherwise. */
    public void advanceTo(long deadline) {
        if (deadline > nanoTime) {
            nanoTime = deadline;
        }
    }

    /** Steps the wall clock by {@code deltaNanos} (either way) without touching monotonic time. */
    public void stepWallClock(long deltaNanos) {
        epochOffsetNanos = Math.addExact(epochOffsetNanos, deltaNanos);
    }
}
