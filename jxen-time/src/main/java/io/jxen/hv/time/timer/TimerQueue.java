package io.jxen.hv.time.timer;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.runtime.Agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Xen's timer heap ({@code set_timer}/{@code stop_timer}, xen/common/timer.c) as an agent:
 * deadlines are in host system time; {@link #doWork()} runs the callbacks of every timer whose
 * deadline has passed. In real mode an {@code AgentRunner} drives it; in simulation the runner
 * steps it and {@link #nextDeadline()} says how far virtual time may jump.
 *
 * <p>Thread-safe: timers are set and stopped from hypercall threads. Callbacks run on the
 * thread calling {@link #doWork()}, outside the queue's lock, so a callback may re-arm its
 * own timer.
 */
public final class TimerQueue implements Agent {

    /** A timer: one pending deadline at most, and a callback. */
    public final class Timer {
        private final String name;
        private final Runnable callback;
        private long deadline;
        private long generation;
        private boolean active;

        private Timer(String name, Runnable callback) {
            this.name = name;
            this.callback = callback;
        }

        /** Arms (or re-arms) the timer for {@code deadlineNs} of system time; a past one fires at the next step. */
        public void set(long deadlineNs) {
            synchronized (TimerQueue.this) {
                generation++;
                deadline = deadlineNs;
                active = true;
                heap.add(new Entry(deadlineNs, sequence++, generation, this));
            }
            // Real mode: wake the agent's thread if it sleeps past this deadline. If it has
            // not parked yet, the permit makes its next park return at once.
            Thread sleeper = waiter;
            if (sleeper != null && deadlineNs < wakeAt) {
                LockSupport.unpark(sleeper);
            }
        }

        /** Disarms the timer; a callback already running is not affected. */
        public void stop() {
            synchronized (TimerQueue.this) {
                generation++;
                active = false;
            }
        }

        /** Whether the timer is armed. */
        public boolean active() {
            synchronized (TimerQueue.this) {
                return active;
            }
        }

        /** The deadline last set. */
        public long deadline() {
            synchronized (TimerQueue.this) {
                return deadline;
            }
        }

        @Override
        public String toString() {
            return "timer " + name;
        }
    }

    private record Entry(long deadline, long sequence, long generation, Timer timer) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }

    private final SystemTime systemTime;
    private final String roleName;
    private final PriorityQueue<Entry> heap = new PriorityQueue<>();
    private final List<Timer> due = new ArrayList<>();
    private long sequence;
    private long fired;
    private volatile Thread waiter;
    private volatile long wakeAt = Long.MAX_VALUE;

    /**
     * @param systemTime the clock deadlines are measured on
     * @param roleName   the agent's name, e.g. {@code "timers-host"}
     */
    public TimerQueue(SystemTime systemTime, String roleName) {
        this.systemTime = Objects.requireNonNull(systemTime, "systemTime");
        this.roleName = Objects.requireNonNull(roleName, "roleName");
    }

    /** A new, disarmed timer whose callback runs on the agent's thread. */
    public Timer newTimer(String name, Runnable callback) {
        return new Timer(Objects.requireNonNull(name, "name"), Objects.requireNonNull(callback, "callback"));
    }

    /** The system time now. */
    public long now() {
        return systemTime.now();
    }

    /** The earliest armed deadline, or {@link Long#MAX_VALUE} when none is armed. */
    public synchronized long nextDeadline() {
        while (!heap.isEmpty()) {
            Entry head = heap.peek();
            if (head.generation == head.timer.generation && head.timer.active) {
                return head.deadline;
            }
            heap.poll(); // stale: stopped or re-armed since
        }
        return Long.MAX_VALUE;
    }

    /**
     * Records that {@code thread} sleeps until {@code wakeAtNs} (system time), so that a timer
     * set for earlier wakes it; {@link TimerIdleStrategy} calls this around its park.
     */
    void sleeping(Thread thread, long wakeAtNs) {
        waiter = thread;
        wakeAt = wakeAtNs;
    }

    /** The thread registered as sleeping, if any (tests). */
    Thread waiter() {
        return waiter;
    }

    /** Callbacks run so far. */
    public synchronized long fired() {
        return fired;
    }

    @Override
    public int doWork() {
        long now = systemTime.now();
        synchronized (this) {
            while (!heap.isEmpty() && heap.peek().deadline <= now) {
                Entry entry = heap.poll();
                Timer timer = entry.timer;
                if (entry.generation == timer.generation && timer.active) {
                    timer.active = false;
                    due.add(timer);
                }
            }
            fired += due.size();
        }
        int work = due.size();
        try {
            for (Timer timer : due) {
                timer.callback.run();
            }
        } finally {
            due.clear();
        }
        return work;
    }

    @Override
    public String roleName() {
        return roleName;
    }
}
