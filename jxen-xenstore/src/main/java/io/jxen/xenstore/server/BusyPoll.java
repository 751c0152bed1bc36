package io.jxen.xenstore.server;

import io.jxen.runtime.SpareCore;

/**
 * How long the socket loop polls without blocking after serving requests, before it sleeps
 * in {@code epoll_wait} (the idea of Linux's {@code SO_BUSY_POLL}): a client that sends its
 * next request within that window is served without a wake-up of the daemon. The window
 * tunes itself on the gaps observed between the end of one turn of the loop and the arrival
 * of the next request: an average of recent gaps (each capped at four times the maximum, so
 * one long pause counts as "idle" without swamping the average); the loop polls for twice
 * that average, at most {@code maxNanos}, and not at all once the average exceeds
 * {@code maxNanos}. An idle daemon therefore blocks at once: after a pause it burns at most
 * one window, then the long gap switches polling off until requests come quickly again.
 * Polling only pays when a core is free for it: on a busy machine it takes the CPU the
 * client needs to send its next request. So the loop polls only while {@link SpareCore}
 * says a core is free (no task waits for a CPU: KVM's halt-polling asks the same,
 * {@code single_task_running()}, before it polls for a vCPU's wake-up), checked before a
 * window opens and on every poll. As a second guard, a poll that finds itself descheduled
 * (two consecutive polls further apart than {@link #PREEMPTED_NANOS}) turns polling off for a
 * number of turns of the loop, doubling with every such finding (up to
 * {@link #MAX_SUSPEND_TURNS}) and reset by a clean one.
 * Only the loop thread uses it.
 */
final class BusyPoll {

    /** Two polls this far apart mean the thread was descheduled (one poll costs about 1 µs). */
    static final long PREEMPTED_NANOS = 20_000;
    /** The longest suspension after preemptions, in turns of the loop. */
    static final int MAX_SUSPEND_TURNS = 1 << 16;
    private static final int FIRST_SUSPEND_TURNS = 1 << 8;

    private final long maxNanos;
    private final SpareCore spareCore;
    private final long capNanos;
    private long averageNanos;
    private int suspendedTurns;
    private int nextSuspension = FIRST_SUSPEND_TURNS;
    /** Turns whose window would have opened but found no spare core (statistics). */
    private long gateClosed;

    /**
     * @param maxNanos  the longest window; 0 turns polling off
     * @param spareCore whether a core is free for polling right now
     */
    BusyPoll(long maxNanos, SpareCore spareCore) {
        this.spareCore = spareCore;
        this.maxNanos = Math.max(0, maxNanos);
        this.capNanos = 4 * this.maxNanos;
        this.averageNanos = capNanos;
    }

    /** The window to poll for now, in nanoseconds (0: block at once). */
    long windowNanos() {
        if (suspendedTurns > 0) {
            suspendedTurns--;
            return 0;
        }
        if (averageNanos >= maxNanos) {
            return 0;
        }
        if (!spareCore.available()) {
            gateClosed++;
            return 0;
        }
        return Math.min(maxNanos, 2 * averageNanos);
    }

    /** Turns whose window would have opened but found no spare core. */
    long gateClosedTurns() {
        return gateClosed;
    }

    /** Whether an open window may go on polling: a core is still free (asked on every poll). */
    boolean coreStillSpare() {
        return spareCore.available();
    }

    /** A poll found the thread descheduled: the machine is busy, stop polling for a while. */
    void preempted() {
        suspendedTurns = nextSuspension;
        nextSuspension = Math.min(MAX_SUSPEND_TURNS, nextSuspension * 2);
    }

    /** A poll window went by without a preemption. */
    void ranClean() {
        nextSuspension = FIRST_SUSPEND_TURNS;
    }

    /**
     * Records the gap between the end of the loop's last turn and the arrival of a request.
     *
     * @param gapNanos the gap
     */
    void record(long gapNanos) {
        long g = Math.min(Math.max(gapNanos, 0), capNanos);
        averageNanos += (g - averageNanos) / 4;
    }
}
