package io.jxen.drivers.block.front;

import io.jxen.guest.LineWait;
import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SpareCore;
import io.jxen.runtime.SystemClock;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The real-mode waiter: polls a device's completions ({@link PolledCompletions}) for an
 * adaptive window, then blocks. The window follows KVM's halt-polling rule
 * ({@link HaltPoll}: grown while waits end soon after it, shrunk when they outlast the cap),
 * one window per waiting thread, and the poll runs only while {@link SpareCore} says a core is
 * free: on a busy machine the spinning caller would take the core that blkback's runner needs to
 * produce the response. While the caller polls, the ring's event is unarmed, so the backend's
 * push sends no event and the guest's vCPU is not woken; when the window ends the event is armed
 * again and the caller parks until the interrupt handler completes its request, as without
 * polling.
 */
final class PollingWaiter implements CompletionWaiter {

    /**
     * The window's cap when polling is on and no cap is given: 1 ms, five times KVM's 200 µs.
     * A vCPU halt waits for any event; this caller waits for one request it knows is in
     * flight, and a 1 MiB transfer takes 100 µs (read) to 600 µs (write) on the development
     * machine, so a 200 µs window never opened for them (their waits outlasted the cap); see
     * docs/BENCHMARKS.md "blkfront: polled completion".
     */
    static final long DEFAULT_MAX_NANOS = 1_000_000;

    static final PollingWaiter OFF = new PollingWaiter(HaltPoll.off());

    /**
     * The default of {@code -Djxen.blkfront.poll}: off. Since a blocked caller sleeps on its
     * vCPUs' interrupt lines, a completion costs it one wake-up, and on the 2-core development
     * machine a spinning caller cost more than that saved: {@code ./jxen bench block} with
     * polling off (and blkback's idle poll off) ran seq read 0.78-0.83x and QD32 0.48-0.50x of
     * direct I/O, against 0.61-0.63x and 0.33-0.37x with both on (docs/BENCHMARKS.md,
     * "Interrupt lines, pinned runners, per-thread queues"). {@code on} or a cap in ns turns it
     * back on, gated on a spare core.
     */
    static final String DEFAULT_POLL = "off";

    private static final class SystemWide {
        static final PollingWaiter INSTANCE = new PollingWaiter(
                policy(System.getProperty(POLL_PROPERTY, DEFAULT_POLL), SpareCore.system()),
                Integer.getInteger(YIELDS_PROPERTY, 0));
    }

    /**
     * {@code -Djxen.blkfront.pollYields=<n>}: yields, each followed by a reap, after the spin
     * (or instead of it, when no core is spare) before the caller arms and blocks (A/B).
     */
    static final String YIELDS_PROPERTY = "jxen.blkfront.pollYields";

    /**
     * {@code -Djxen.blkfront.lines=off}: a blocking wait parks in the caller's own wait (the
     * vCPU's idle thread takes the interrupt and wakes it) instead of sleeping on the interrupt
     * lines ({@link LineWait}); for A/B runs.
     */
    static final String LINES_PROPERTY = "jxen.blkfront.lines";

    private final HaltPoll policy;
    private final int yields;
    /** Whether a blocking wait sleeps on the device's interrupt lines ({@link #LINES_PROPERTY}). */
    private final boolean lines;
    private final ThreadLocal<HaltPoll.Window> windows = ThreadLocal.withInitial(HaltPoll.Window::new);

    PollingWaiter(HaltPoll policy) {
        this(policy, 0);
    }

    PollingWaiter(HaltPoll policy, int yields) {
        this(policy, yields, !"off".equals(System.getProperty(LINES_PROPERTY)));
    }

    PollingWaiter(HaltPoll policy, int yields, boolean lines) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.yields = policy.enabled() ? yields : 0;
        this.lines = lines;
    }

    static PollingWaiter system() {
        return SystemWide.INSTANCE;
    }

    /** Parses {@code off}, {@code on} (the {@link #DEFAULT_MAX_NANOS} cap) or a cap in ns (up to 10 ms). */
    static HaltPoll policy(String value, SpareCore spare) {
        long max = HaltPoll.capNanos(value, DEFAULT_MAX_NANOS, POLL_PROPERTY);
        return max == 0 ? HaltPoll.off() : new HaltPoll(HaltPoll.Config.kvm(max), spare, SystemClock.INSTANCE::nanoTime);
    }

    /** The policy (its cap, or off). */
    HaltPoll policy() {
        return policy;
    }

    /** The calling thread's window. */
    HaltPoll.Window window() {
        return windows.get();
    }

    @Override
    public boolean polls() {
        return policy.enabled() && policy.willPoll(policy.start(), windows.get());
    }

    @Override
    public void await(CompletableFuture<?> future) {
        try {
            future.join();
        } catch (RuntimeException e) {
            // done exceptionally: the caller reads the outcome from the future
        }
    }

    @Override
    public void await(CompletableFuture<?> future, PolledCompletions source) {
        await(future, source, ThreadLoan.NONE);
    }

    @Override
    public void await(CompletableFuture<?> future, PolledCompletions source, ThreadLoan loan) {
        if (future.isDone()) {
            return;
        }
        try {
            await(source, () -> future.isDone() ? future : null, () -> {
                await(future);
                return future;
            }, loan);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // join does not throw it; kept for the caller
        }
    }

    @Override
    public <T> T await(PolledCompletions source, Supplier<T> ready, Blocking<T> block) throws InterruptedException {
        return await(source, ready, block, ThreadLoan.NONE);
    }

    @Override
    public <T> T await(PolledCompletions source, Supplier<T> ready, Blocking<T> block, ThreadLoan loan)
            throws InterruptedException {
        T now = ready.get();
        if (now != null) {
            return now;
        }
        long start = policy.start();
        HaltPoll.Window window = windows.get();
        var seen = new Object() {
            T value;
        };
        boolean spin = policy.willPoll(start, window);
        if (spin || yields > 0) {
            try (PolledCompletions.Polling polling = source.startPolling()) {
                if (spin) {
                    policy.poll(start, window, () -> {
                        polling.reap();
                        seen.value = ready.get();
                        return seen.value != null;
                    });
                }
                for (int i = 0; i < yields && seen.value == null; i++) {
                    Thread.yield();
                    polling.reap();
                    seen.value = ready.get();
                }
            } // closing arms the event and takes what came meanwhile
        }
        T got = seen.value != null ? seen.value : ready.get();
        if (got == null) {
            got = serveBackend(source, ready, loan);
        }
        loan.end(); // before any sleep: a push by a thread that does not lend must be notified
        if (got == null && lines) {
            got = sleepOnLines(source, ready);
        }
        if (got == null) {
            got = block.get();
        }
        policy.finish(start, window, true);
        return got;
    }

    /**
     * Serves the backend's ring on this thread ({@link ThreadLoan#serve()}) while what it waits
     * for is not there, the ring's response event unarmed meanwhile so the backend's pushes send
     * no event: the request is then answered with no wake-up at all. Ends when a turn serves
     * nothing (another thread has the turn, and looks at the ring again after it; this thread
     * then sleeps as usual).
     *
     * @return what {@code ready} answered, or null
     */
    private static <T> T serveBackend(PolledCompletions source, Supplier<T> ready, ThreadLoan loan) {
        if (!loan.lent()) {
            return null;
        }
        try (PolledCompletions.Polling polling = source.startPolling()) {
            while (true) {
                int served = loan.serve();
                polling.reap();
                T got = ready.get();
                if (got != null || served <= 0) {
                    return got;
                }
            }
        }
    }

    /**
     * Sleeps on the interrupt lines of {@code source}'s vCPUs ({@link LineWait}): the completion
     * interrupt then wakes this thread, which runs the upcall itself, rather than the vCPU's idle
     * thread, which would wake this one (one host-thread wake-up per completion, not two).
     *
     * @return what {@code ready} answered, or null if the lines or the device's sleeper slot
     *         were taken (the caller blocks its own way)
     */
    private static <T> T sleepOnLines(PolledCompletions source, Supplier<T> ready) throws InterruptedException {
        java.util.List<io.jxen.guest.GuestVcpu> vcpus = source.interruptVcpus();
        if (vcpus.isEmpty() || !source.claimSleeper()) {
            return null;
        }
        try {
            return LineWait.await(vcpus, ready);
        } finally {
            source.releaseSleeper();
        }
    }
}
