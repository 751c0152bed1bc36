package io.jxen.host.backend;

import io.jxen.runtime.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * The back-off of {@link io.jxen.runtime.BackoffIdleStrategy} (spin, yield, then parks growing
 * from 1 µs to 1 ms) that an interrupt can cut short: {@link #kick()} unparks the runner's
 * thread, so a request that arrives while blkback is parked is served at once rather than
 * after up to a millisecond (which capped a queue-depth-1 workload at a few thousand requests
 * per second). A kick that lands between turns is remembered and the next park returns at once.
 */
final class KickableIdle implements IdleStrategy {

    private static final int MAX_SPINS = 100;
    private static final int MAX_YIELDS = 10;
    private static final long MIN_PARK_NANOS = 1_000;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private volatile Thread runner;
    private volatile boolean kicked;
    private int spins;
    private int yields;
    private long parkNanos = MIN_PARK_NANOS;

    /** Wakes the runner if it is parked (any thread, e.g. the interrupt handler). */
    void kick() {
        kicked = true;
        Thread t = runner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0 || kicked) {
            kicked = false;
            reset();
            return;
        }
        if (spins < MAX_SPINS) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < MAX_YIELDS) {
            yields++;
            Thread.yield();
        } else {
            runner = Thread.currentThread();
            if (!kicked) {
                LockSupport.parkNanos(parkNanos);
            }
            parkNanos = Math.min(parkNanos << 1, MAX_PARK_NANOS);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = MIN_PARK_NANOS;
    }
}
