package io.jxen.host.backend;

import io.jxen.guest.GuestVcpu;
import io.jxen.guest.LineWait;
import io.jxen.runtime.IdleStrategy;
import io.jxen.runtime.SpareCore;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How a blkback runner waits for its ring: it polls the ring while a core is spare (if given a
 * poll window), then re-arms the ring's event and sleeps until the ring's interrupt wakes it
 * ({@link #kick()}): on the interrupt line of the backend domain's vCPU where it has one
 * ({@link LineWait}: the frontend's kick wakes this thread, which runs the upcall itself),
 * else parked until its filter unparks it.
 *
 * <p>While it polls, {@code req_event} stays behind (blkback runs
 * {@link io.jxen.drivers.block.back.Blkback#withRunnerArming()}), so the frontend pushes
 * requests without an event: no hypercall on its side, no interrupt in the backend domain, no
 * unpark here. It polls for at most {@link #DEFAULT_POLL_NANOS} after the last request, and
 * only while {@link SpareCore} says a core is free (KVM's halt-polling asks the same question):
 * on a busy machine a spinning thread takes the core from the threads that do the work, so it
 * arms at once. Arming runs the ring's {@code RING_FINAL_CHECK_FOR_REQUESTS}
 * ({@code req_event = req_cons + 1}, then one more look), so a request pushed meanwhile is
 * either seen there or notified. It then yields the core up to {@link #DEFAULT_YIELDS} times,
 * looking at the kick and the ring after each: on a loaded machine a thread that yields stays
 * runnable and takes the next request of a single stream (a sequential read's next 512 KiB)
 * without waiting for the interrupt's two wake-ups (dom0's vCPU, then this thread), which is
 * what made sequential reads about a third slower with an immediate park in
 * {@code ./jxen bench block} at load 15-25; on an idle machine a yield returns at once. Then it
 * parks without a timeout, as Linux's
 * {@code xen_blkif_schedule} waits on its queue: the interrupt (or the runner's close, which
 * interrupts the thread) is the only wake-up, no timer ticks in between. A kick that lands
 * before the park is remembered and the park returns at once.
 */
final class KickableIdle implements IdleStrategy {

    /** How long a runner polls after its last request before it sleeps (a spare core permitting). */
    static final long DEFAULT_POLL_NANOS = 50_000;

    /** Yields after arming before the runner parks. */
    static final int DEFAULT_YIELDS = 10;

    private final BooleanSupplier finalCheck;
    /** The vCPUs whose interrupt lines the runner sleeps on ({@link LineWait}); empty: a plain park. */
    private final Supplier<List<GuestVcpu>> lines;
    private final SpareCore spareCore;
    private final LongSupplier nanoTime;
    private final long pollNanos;
    private final int yields;
    private volatile Thread runner;
    private volatile boolean kicked;
    /** When the current idle stretch began, or -1 while working. */
    private long idleSince = -1;
    private volatile long parks;
    /** Between the decision to sleep and the return from the sleep ({@link #asleep()}). */
    private volatile boolean asleep;

    /**
     * @param finalCheck re-arms the ring's event and says whether work is waiting (then the
     *                   runner does not sleep)
     * @param spareCore  whether polling is worth a core now
     * @param nanoTime   the clock of the polling window
     * @param pollNanos  the polling window, 0 to arm at once
     * @param yields     yields after arming, each followed by a look at the kick and the ring,
     *                   before the runner parks
     */
    KickableIdle(BooleanSupplier finalCheck, SpareCore spareCore, LongSupplier nanoTime, long pollNanos,
                 int yields) {
        this(finalCheck, spareCore, nanoTime, pollNanos, yields, List::of);
    }

    /**
     * As above, the runner sleeping on the interrupt lines of {@code lines}' vCPUs: the ring's
     * interrupt wakes the runner, which runs the backend domain's upcall itself (the filter
     * kicks it), instead of waking the domain's vCPU idle thread to wake the runner.
     */
    KickableIdle(BooleanSupplier finalCheck, SpareCore spareCore, LongSupplier nanoTime, long pollNanos,
                 int yields, Supplier<List<GuestVcpu>> lines) {
        this.lines = lines;
        this.finalCheck = finalCheck;
        this.spareCore = spareCore;
        this.nanoTime = nanoTime;
        this.pollNanos = pollNanos;
        this.yields = yields;
    }

    /** Wakes the runner if it is parked (any thread, e.g. the interrupt handler). */
    void kick() {
        kicked = true;
        Thread t = runner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Times the runner went to sleep (a park, or a wait on the interrupt line), for tests. */
    long parks() {
        return parks;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0 || kicked) {
            kicked = false;
            idleSince = -1;
            return;
        }
        if (pollNanos > 0 && spareCore.available()) {
            long now = nanoTime.getAsLong();
            if (idleSince < 0) {
                idleSince = now;
            }
            if (now - idleSince < pollNanos) {
                Thread.onSpinWait();
                return; // the runner looks at the ring again, unarmed
            }
        }
        idleSince = -1;
        if (finalCheck.getAsBoolean()) {
            return; // requests came in before the event was armed: serve them
        }
        for (int i = 0; i < yields; i++) {
            Thread.yield();
            if (kicked || finalCheck.getAsBoolean()) {
                return;
            }
        }
        List<GuestVcpu> vcpus = lines.get(); // may take locks: before the runner is published
        runner = Thread.currentThread();
        asleep = true;
        try {
            if (!kicked) {
                if (vcpus.isEmpty() || !sleepOnLines(vcpus)) {
                    // The flag, not the permit, says whether to sleep on: a kick's unpark may have
                    // been taken by a lock this thread waited for since it looked at the flag
                    // (a lost wake-up the first version of the line wait had: a runner kicked,
                    // 32 requests on its ring, asleep).
                    while (!kicked && !Thread.currentThread().isInterrupted()) {
                        parks++;
                        LockSupport.park(this);
                    }
                }
            }
        } finally {
            asleep = false;
        }
    }

    /**
     * Whether the runner is asleep, or kicked and not yet running again: then a thread that
     * helps the ring ({@link LentTurns#help()}) takes no turn from a runner at work.
     */
    boolean asleep() {
        return asleep;
    }

    /**
     * How long a line sleep lasts without a wake-up: the kick unparks the runner (the plain park
     * below has no backstop at all), so this only bounds the cost of a wake-up lost to a bug;
     * with {@link LineWait#BACKSTOP_NANOS} an idle runner looked 100 times a second.
     */
    static final long LINE_BACKSTOP_NANOS = 200_000_000L;

    /** Sleeps on the ring's interrupt line until kicked; false if no line was free (then park). */
    private boolean sleepOnLines(List<GuestVcpu> vcpus) {
        try {
            boolean waited = LineWait.await(vcpus, () -> kicked ? Boolean.TRUE : null, LINE_BACKSTOP_NANOS) != null;
            if (waited) {
                parks++;
            }
            return waited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the runner is closing: its loop ends
            return true;
        }
    }

    @Override
    public void reset() {
        idleSince = -1;
    }
}
