package io.jxen.hv.time.timer;

import io.jxen.runtime.IdleStrategy;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * How the timer agent waits in real mode: park until shortly before the next deadline, then
 * spin the last stretch, so timers fire late by microseconds rather than by the park
 * granularity of a generic back-off. A timer set for an earlier deadline while the thread is
 * parked unparks it ({@link TimerQueue.Timer#set(long)}).
 */
public final class TimerIdleStrategy implements IdleStrategy {

    /** Default stretch spun before a deadline: 50 µs, above typical park overshoot on Linux. */
    public static final long DEFAULT_SPIN_NS = 50_000L;
    /** Default longest park: 10 ms (a bound on how stale a missed unpark could make it). */
    public static final long DEFAULT_MAX_PARK_NS = 10_000_000L;

    private final TimerQueue queue;
    private final long spinNs;
    private final long maxParkNs;
    private final LongConsumer parker;

    /** With the defaults and {@link LockSupport#parkNanos(long)}. */
    public TimerIdleStrategy(TimerQueue queue) {
        this(queue, DEFAULT_SPIN_NS, DEFAULT_MAX_PARK_NS, LockSupport::parkNanos);
    }

    /**
     * @param queue     the queue whose agent this thread runs
     * @param spinNs    how long before a deadline to stop parking and spin
     * @param maxParkNs the longest single park
     * @param parker    parks the thread for the given nanoseconds (tests record instead)
     */
    public TimerIdleStrategy(TimerQueue queue, long spinNs, long maxParkNs, LongConsumer parker) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.spinNs = spinNs;
        this.maxParkNs = maxParkNs;
        this.parker = Objects.requireNonNull(parker, "parker");
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            return;
        }
        long now = queue.now();
        long next = queue.nextDeadline();
        long wait = next == Long.MAX_VALUE ? Long.MAX_VALUE : next - now;
        if (wait <= spinNs) {
            Thread.onSpinWait();
            return;
        }
        long park = Math.min(wait - spinNs, maxParkNs);
        queue.sleeping(Thread.currentThread(), now + park);
        try {
            parker.accept(park);
        } finally {
            queue.sleeping(null, Long.MAX_VALUE);
        }
    }
}
