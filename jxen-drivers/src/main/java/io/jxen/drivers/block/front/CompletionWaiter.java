package io.jxen.drivers.block.front;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * How a blocking {@link Blkfront} call waits for its requests: in real mode the caller's
 * thread first polls the ring's completions itself for a bounded window while a core is spare
 * ({@link PolledCompletions}, {@link #blocking()}), then parks until the interrupt handler
 * completes the future; in a test or a simulation the waiter steps the vCPUs and the backend
 * until the future is done, so no thread blocks (such waiters implement only
 * {@link #await(CompletableFuture)} and never poll).
 */
@FunctionalInterface
public interface CompletionWaiter {

    /**
     * {@code -Djxen.blkfront.poll=off|on|<cap in ns>}: whether {@link #blocking()} polls
     * completions, and how long at most; off by default (the caller sleeps on its vCPUs'
     * interrupt lines instead, {@code io.jxen.guest.LineWait}).
     */
    String POLL_PROPERTY = "jxen.blkfront.poll";

    /** Returns once {@code future} is done (normally or not). */
    void await(CompletableFuture<?> future);

    /**
     * Returns once {@code future} is done, whose request(s) {@code source} completes: a waiter
     * that polls takes the responses itself for a while before it waits as {@link #await(CompletableFuture)}.
     */
    default void await(CompletableFuture<?> future, PolledCompletions source) {
        await(future);
    }

    /**
     * As {@link #await(CompletableFuture, PolledCompletions)}, the calling thread lent to its
     * queue's backend ({@link ThreadLoan}): a waiter that serves the backend does so while it
     * waits, and ends the loan before it sleeps. This default ends the loan at once and waits as
     * without one.
     */
    default void await(CompletableFuture<?> future, PolledCompletions source, ThreadLoan loan) {
        loan.end();
        await(future, source);
    }

    /**
     * Waits for something that completions of {@code source} bring about (a free buffer, a
     * count of requests done): returns {@code ready}'s first non-null answer, polling
     * {@code source} while the policy allows, else what {@code block} returns (the caller's own
     * blocking wait, e.g. {@code queue::take}). A waiter that does not poll calls {@code block}
     * at once unless {@code ready} answers.
     *
     * @param <T> what the caller waits for
     */
    default <T> T await(PolledCompletions source, Supplier<T> ready, Blocking<T> block) throws InterruptedException {
        T now = ready.get();
        return now != null ? now : block.get();
    }

    /**
     * As {@link #await(PolledCompletions, Supplier, Blocking)}, the calling thread lent to its
     * queue's backend ({@link ThreadLoan}) while it waits; the loan ends before it sleeps. This
     * default ends the loan at once.
     *
     * @param <T> what the caller waits for
     */
    default <T> T await(PolledCompletions source, Supplier<T> ready, Blocking<T> block, ThreadLoan loan)
            throws InterruptedException {
        loan.end();
        return await(source, ready, block);
    }

    /**
     * Whether a wait of the calling thread would poll now (its window open, a core spare): a
     * multi-queue disk then sends a large transfer to one ring rather than striping it, so
     * the caller and one backend runner each keep a core.
     */
    default boolean polls() {
        return false;
    }

    /** A caller's blocking wait. */
    @FunctionalInterface
    interface Blocking<T> {
        /** Blocks until the awaited thing is there and returns it. */
        T get() throws InterruptedException;
    }

    /**
     * Polls completions as {@code -Djxen.blkfront.poll} says (adaptively, while a core is spare;
     * {@link PollingWaiter}), then parks the calling thread until the future completes
     * (interrupts run on other threads).
     */
    static CompletionWaiter blocking() {
        return PollingWaiter.system();
    }

    /** Parks the calling thread at once until the future completes: never polls. */
    static CompletionWaiter parking() {
        return PollingWaiter.OFF;
    }
}
