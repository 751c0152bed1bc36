package io.jxen.runtime;

import java.util.concurrent.locks.LockSupport;

/**
 * Spin, then yield, then park with an exponentially growing period: low latency while
 * work keeps arriving, little CPU once an agent has been idle for a while. Resets as soon
 * as an agent reports work.
 */
public final class BackoffIdleStrategy implements IdleStrategy {

    private final int maxSpins;
    private final int maxYields;
    private final long minParkNanos;
    private final long maxParkNanos;
    private int spins;
    private int yields;
    private long parkNanos;

    /**
     * @param maxSpins     busy-spin iterations before yielding
     * @param maxYields    {@link Thread#yield()} calls before parking
     * @param minParkNanos first park period
     * @param maxParkNanos longest park period
     */
    public BackoffIdleStrategy(int maxSpins, int maxYields, long minParkNanos, long maxParkNanos) {
        if (maxSpins < 0 || maxYields < 0 || minParkNanos < 1 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("bad back-off bounds");
        }
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNanos = minParkNanos;
        this.maxParkNanos = maxParkNanos;
        reset();
    }

    /** A default suited to device backends: 100 spins, 10 yields, parks of 1 µs to 1 ms. */
    public static BackoffIdleStrategy defaults() {
        return new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    }

    /** The longest park of {@link #deadlines()}: how late a deadline of such an agent may be seen. */
    public static final long DEADLINE_MAX_PARK_NANOS = 50_000_000L;

    /**
     * For agents whose work comes due by the clock with a resolution of seconds (XenBus connect
     * timeouts, domain watchdogs, the pvclock refresh), or that are woken when work arrives
     * ({@link AgentRunner#wake()}): no spins or yields, parks of 1 ms growing to
     * {@link #DEADLINE_MAX_PARK_NANOS}. With {@link #defaults()} each such agent woke about
     * 1,000 times a second: an idle {@code jxen run} host switched threads 5,900 times a second
     * and used 4% of a core doing nothing.
     */
    public static BackoffIdleStrategy deadlines() {
        return new BackoffIdleStrategy(0, 0, 1_000_000, DEADLINE_MAX_PARK_NANOS);
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else if (spins < maxSpins) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < maxYields) {
            yields++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos << 1, maxParkNanos);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = minParkNanos;
    }
}
