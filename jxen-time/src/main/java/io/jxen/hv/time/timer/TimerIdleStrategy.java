package io.jxen.hv.time.timer;

import io.jxen.runtime.IdleStrategy;
import io.jxen.runtime.RealtimePriority;
import io.jxen.runtime.SpareCore;
import io.jxen.runtime.TimerSlack;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * How the timer agent waits in real mode: park until shortly before the next deadline, then
 * spin the last stretch, so timers fire late by microseconds rather than by the park
 * granularity of a generic back-off. A timer set for an earlier deadline while the thread is
 * parked unparks it ({@link TimerQueue.Timer#set(long)}).
 *
 * <p>The spin is taken only while a core is spare ({@link SpareCore}): on a busy machine a
 * spinning timer thread takes the core from the threads it would wake and, having used its
 * share of CPU, is itself scheduled later when the deadline comes; there it parks up to the
 * deadline. The thread's timer slack is set to 1 ns ({@link TimerSlack}) so a park ends when
 * asked rather than up to 50 µs later (Linux's default slack), and, where the process may
 * ({@code CAP_SYS_NICE}), the thread runs in {@code SCHED_FIFO} at the lowest real-time
 * priority ({@link RealtimePriority}): on a loaded machine the wait for the run queue, not the
 * park, is what made timers late (milliseconds at p99 with the load 7x the cores).
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
    private final SpareCore spareCore;

    /** With the defaults, {@link LockSupport#parkNanos(long)} and {@link SpareCore#system()}. */
    public TimerIdleStrategy(TimerQueue queue) {
        this(queue, DEFAULT_SPIN_NS, DEFAULT_MAX_PARK_NS, LockSupport::parkNanos, SpareCore.system());
    }

    /** Spinning whatever the machine's load (tests). */
    public TimerIdleStrategy(TimerQueue queue, long spinNs, long maxParkNs, LongConsumer parker) {
        this(queue, spinNs, maxParkNs, parker, SpareCore.fixed(true));
    }

    /**
     * @param queue     the queue whose agent this thread runs
     * @param spinNs    how long before a deadline to stop parking and spin
     * @param maxParkNs the longest single park
     * @param parker    parks the thread for the given nanoseconds (tests record instead)
     * @param spareCore whether a core is free to spin on
     */
    public TimerIdleStrategy(TimerQueue queue, long spinNs, long maxParkNs, LongConsumer parker,
                             SpareCore spareCore) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.spinNs = spinNs;
        this.maxParkNs = maxParkNs;
        this.parker = Objects.requireNonNull(parker, "parker");
        this.spareCore = Objects.requireNonNull(spareCore, "spareCore");
    }

    @Override
    public void reset() {
        // on the agent's thread, where reset() runs
        TimerSlack.set(1);
        if (RealtimePriority.enabled()) {
            RealtimePriority.fifo(1);
        }
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            return;
        }
        // Announce the sleep before looking at the queue: a timer set after the look finds
        // this thread registered (any deadline before Long.MAX_VALUE unparks it; the permit
        // makes the park below return at once), so it is not slept through until maxParkNs.
        Thread me = Thread.currentThread();
        queue.sleeping(me, Long.MAX_VALUE);
        try {
            long now = queue.now();
            long next = queue.nextDeadline();
            long wait = next == Long.MAX_VALUE ? Long.MAX_VALUE : next - now;
            long spin = spareCore.available() ? spinNs : 0;
            if (wait <= spin || wait <= 0) {
                Thread.onSpinWait();
                return;
            }
            long park = Math.min(wait - spin, maxParkNs);
            queue.sleeping(me, now + park);
            parker.accept(park);
        } finally {
            queue.sleeping(null, Long.MAX_VALUE);
        }
    }
}
