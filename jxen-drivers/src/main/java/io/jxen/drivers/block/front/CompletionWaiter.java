package io.jxen.drivers.block.front;

import java.util.concurrent.CompletableFuture;

/**
 * How a blocking {@link Blkfront} call waits for its requests: in real mode the caller's
 * thread parks until the interrupt handler completes the future; in a test or a simulation
 * the waiter steps the vCPUs and the backend until the future is done, so no thread blocks.
 */
@FunctionalInterface
public interface CompletionWaiter {

    /** Returns once {@code future} is done (normally or not). */
    void await(CompletableFuture<?> future);

    /** Parks the calling thread until the future completes (interrupts run on other threads). */
    static CompletionWaiter blocking() {
        return future -> {
            try {
                future.join();
            } catch (RuntimeException e) {
                // done exceptionally: the caller reads the outcome from the future
            }
        };
    }
}
