package io.jxen.guest;

import io.jxen.hypercall.InterruptLine;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A guest thread's sleep on the interrupt lines of the vCPUs whose interrupts it waits for
 * ({@link InterruptLine}): while it sleeps, upcalls raised for those vCPUs wake this thread,
 * which runs them itself ({@link GuestVcpu#poll()}, one thread at a time per vCPU) instead of
 * the vCPUs' idle threads, and looks at what it waits for again. On Xen a guest task that
 * blocks for I/O leaves its vCPU idle and the completion interrupt runs on that vCPU, which
 * then switches straight back to the task; this is that path with one host thread, not two.
 *
 * <p>What wakes the sleeper: an upcall raised for one of its vCPUs; an upcall delivered by
 * another thread on one of them ({@link GuestVcpu#poll()} wakes the line's waiter); whatever
 * the caller arranges ({@link LockSupport#unpark}, e.g. a driver completing requests by
 * polling); and, as a backstop for completions that come by none of these (a backend gone, its
 * requests failed by the XenBus thread), {@link #BACKSTOP_NANOS}.
 *
 * <p>Only vCPUs whose line is free are taken: where another thread already waits on a line,
 * or the hypervisor is in another process (no line), {@link #await} returns null at once and
 * the caller sleeps its usual way, its interrupts taken by the idle threads as before.
 */
public final class LineWait {

    /** The longest one sleep lasts before the sleeper looks again without being woken. */
    public static final long BACKSTOP_NANOS = 10_000_000;

    private LineWait() {
    }

    /**
     * Waits on the lines of {@code vcpus} until {@code ready} answers.
     *
     * @param vcpus the vCPUs whose interrupts bring about what the caller waits for
     * @param ready what the caller waits for: non-null once there
     * @param <T>   its type
     * @return {@code ready}'s first non-null answer, or null if no line of {@code vcpus} was free
     *         (nothing waited)
     * @throws InterruptedException if the thread is interrupted while it waits (the lines are
     *                              left and their pending upcalls delivered first)
     */
    public static <T> T await(List<GuestVcpu> vcpus, Supplier<T> ready) throws InterruptedException {
        return await(vcpus, ready, BACKSTOP_NANOS);
    }

    /**
     * {@link #await(List, Supplier)} with a backstop of {@code backstopNanos}: for a sleeper
     * whose every wake-up comes by one of the paths above (a backend runner, which its kick
     * unparks), a long one spares an idle thread 100 looks a second.
     */
    public static <T> T await(List<GuestVcpu> vcpus, Supplier<T> ready, long backstopNanos)
            throws InterruptedException {
        if (backstopNanos <= 0) {
            throw new IllegalArgumentException("backstop " + backstopNanos + " ns");
        }
        GuestVcpu[] mine = new GuestVcpu[vcpus.size()];
        int n = 0;
        for (GuestVcpu v : vcpus) {
            InterruptLine line = v.interruptLine();
            if (line != null && line.attach()) {
                mine[n++] = v;
            }
        }
        if (n == 0) {
            return null;
        }
        try {
            while (true) {
                T value = ready.get();
                if (value != null) {
                    return value;
                }
                int delivered = 0;
                for (int i = 0; i < n; i++) {
                    if (mine[i].upcallPending()) {
                        delivered += mine[i].poll();
                    }
                }
                if (delivered > 0) {
                    continue; // look at what the handlers did before sleeping
                }
                // An unpark since the look above (an upcall raised, a completion) returns at once.
                LockSupport.parkNanos(LineWait.class, backstopNanos);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted waiting on the interrupt line");
                }
            }
        } finally {
            for (int i = 0; i < n; i++) {
                mine[i].interruptLine().detach();
            }
            // An upcall raised between the last look and the detach was given to this thread
            // and woke nobody else: deliver it (a vCPU that is masked or being run by another
            // thread is left to that thread, which looks again before it leaves).
            for (int i = 0; i < n; i++) {
                if (mine[i].upcallPending()) {
                    mine[i].poll();
                }
            }
        }
    }
}
