package io.jxen.host.backend;

import io.jxen.drivers.block.back.Blkback;
import io.jxen.hypercall.ChannelPoller;
import io.jxen.runtime.Agent;
import io.jxen.runtime.ErrorHandler;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A blkback ring's turns, run by its runner or by the frontend's threads that lend themselves
 * while they wait for their requests ({@link ChannelPoller}, attached to the ring's event
 * channel). One turn at a time: whoever takes {@link #turn} serves the ring and, once it has let
 * go, looks at the ring again, so a request pushed by a thread that found the turn taken is never
 * left behind.
 *
 * <p>The ring's event: while a lender is entered ({@link #lenders} &gt; 0) nobody asks the
 * frontend for an event ({@code req_event} stays behind the requests), since each lender serves
 * the ring after its own push: its requests cost no hypercall and wake no runner. The first lender
 * in leaves the event behind ({@link Blkback#disarmRequests()}), the runner sleeps without arming
 * while lenders are in, and the last lender out arms it ({@code RING_FINAL_CHECK_FOR_REQUESTS})
 * and kicks the runner if requests came in meanwhile. A stale arm (the runner's, racing a
 * lender's entry) costs one event at most: {@code req_event} is passed by the next push.
 *
 * <p>Measured (docs/BENCHMARKS.md, "Lent turns (session 11)"): the NBD server's request threads
 * lending themselves took the PV path's read from 0.73x to 0.82-0.89x of nbdkit, and
 * {@code ./jxen bench block}'s QD1 from 80k to about 300k IOPS.
 * {@code -Djxen.blkback.lend=off} turns lending off (A/B runs).
 */
final class LentTurns implements Agent, ChannelPoller {

    /** {@code -Djxen.blkback.lend=off}: runners alone serve the rings. */
    static final boolean ENABLED = !"off".equals(System.getProperty("jxen.blkback.lend"));

    private final Ring back;
    private final Runnable kickRunner;
    private final java.util.function.BooleanSupplier runnerAsleep;
    private final ErrorHandler errors;
    /** Held by whoever runs {@link Blkback#doWork()}: the runner or one lender. */
    private final AtomicBoolean turn = new AtomicBoolean();
    private final AtomicInteger lenders = new AtomicInteger();
    private final AtomicLong lentRequests = new AtomicLong();
    private volatile boolean closed;

    /** What lending needs of a backend ring: {@link Blkback}'s methods of the same names. */
    interface Ring extends Agent {

        /** Serves the ring: a turn ({@link Blkback#doWork()}). */
        @Override
        int doWork();

        /** Whether requests wait, arming nothing ({@link Blkback#hasRequests()}). */
        boolean hasRequests();

        /** {@code req_event} left behind ({@link Blkback#disarmRequests()}). */
        void disarmRequests();

        /** {@code RING_FINAL_CHECK_FOR_REQUESTS} ({@link Blkback#finalCheckForRequests()}). */
        boolean finalCheckForRequests();

        /** blkback's ring. */
        static Ring of(Blkback b) {
            return new Ring() {
                @Override
                public int doWork() {
                    return b.doWork();
                }

                @Override
                public String roleName() {
                    return b.roleName();
                }

                @Override
                public boolean hasRequests() {
                    return b.hasRequests();
                }

                @Override
                public void disarmRequests() {
                    b.disarmRequests();
                }

                @Override
                public boolean finalCheckForRequests() {
                    return b.finalCheckForRequests();
                }
            };
        }
    }

    /**
     * @param back       the ring
     * @param kickRunner wakes the ring's runner ({@link KickableIdle#kick()})
     * @param runnerAsleep whether the runner sleeps now ({@link KickableIdle#asleep()}): a
     *                     helper ({@link #help()}) serves only then
     * @param errors     where a lender's turn reports a failure (as the runner would)
     */
    LentTurns(Ring back, Runnable kickRunner, java.util.function.BooleanSupplier runnerAsleep, ErrorHandler errors) {
        this.back = back;
        this.kickRunner = kickRunner;
        this.runnerAsleep = runnerAsleep;
        this.errors = errors;
    }

    /** The runner's turn: skipped (0) while a lender has it, who looks at the ring after it. */
    @Override
    public int doWork() {
        return serve(false);
    }

    @Override
    public String roleName() {
        return back.roleName();
    }

    /**
     * The runner's look before it sleeps ({@link KickableIdle}'s final check): with lenders in,
     * it leaves the event unarmed and only looks; else {@code RING_FINAL_CHECK_FOR_REQUESTS}.
     *
     * @return true when requests wait (the runner does not sleep)
     */
    boolean finalCheckForRequests() {
        if (lenders.get() > 0) {
            // A lender holding the turn looks at the ring again after it: no need to wait for
            // the turn (and the ring's lock) here.
            return !turn.get() && back.hasRequests();
        }
        return back.finalCheckForRequests();
    }

    @Override
    public boolean enter() {
        if (closed) {
            return false;
        }
        if (lenders.getAndIncrement() == 0) {
            back.disarmRequests();
        }
        return true;
    }

    @Override
    public int poll() {
        return serve(true);
    }

    /**
     * A helper's poll: only while the runner sleeps. A submitter keeping 32 requests in flight
     * that took turns from a working runner did the backend's work on its own core
     * ({@code ./jxen bench block}'s QD32 0.40-0.48x of direct I/O against 0.55-0.62x); waiting
     * for one request, it still serves it before the runner, kicked, is running.
     */
    @Override
    public int help() {
        return runnerAsleep.getAsBoolean() ? serve(true) : 0;
    }

    @Override
    public void leave() {
        if (lenders.decrementAndGet() == 0 && back.finalCheckForRequests()) {
            kickRunner.run(); // pushed by someone who does not lend (or too late for the lenders): the runner serves it
        }
    }

    /** Requests served by lenders' turns, for tests and benchmarks. */
    long lentRequests() {
        return lentRequests.get();
    }

    /** The ring is disconnecting: no new lenders (those in find nothing to serve). */
    void close() {
        closed = true;
    }

    /**
     * Turns one {@link #poll()} takes at most: a lender keeps serving while other threads push,
     * but not without end (its own request was answered in its first turn); what is left then
     * goes to the runner.
     */
    static final int MAX_LENT_TURNS = 4;

    private int serve(boolean lent) {
        int done = 0;
        int turns = 0;
        while (turn.compareAndSet(false, true)) {
            int n;
            try {
                n = lent ? lentTurn() : back.doWork();
            } catch (Throwable t) {
                errors.onError(back, t); // as the runner would report it; the lender's thread goes on
                n = 0;
            } finally {
                turn.set(false);
            }
            done += n;
            if (!back.hasRequests()) {
                break;
            }
            if (n == 0 || (lent && ++turns >= MAX_LENT_TURNS)) {
                // Requests this turn could not take, or a lender that has served its share:
                // the runner looks, nobody spins here and no lender is kept from its own work.
                kickRunner.run();
                break;
            }
        }
        return done;
    }

    /**
     * One turn on a lender's thread. Its interrupt status is put aside for the turn (the disk is
     * {@link io.jxen.drivers.block.BlockDevice#interruptSafe()}, and a status set before the turn
     * is the lender's business, not the backend's) and restored after.
     */
    private int lentTurn() {
        boolean interrupted = Thread.interrupted();
        try {
            int n = back.doWork();
            lentRequests.addAndGet(n);
            return n;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
