package io.jxen.drivers.block.front;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread of a disk that sleeps on its vCPUs' interrupt lines for its completions
 * ({@link PolledCompletions#claimSleeper()}): every completion of the disk, on whatever thread,
 * wakes it, since it sleeps in {@link io.jxen.guest.LineWait} and not in its own blocking wait.
 * A {@link MultiQueueBlkfront}'s queues share one.
 */
final class SleeperSlot {

    private final AtomicReference<Thread> sleeper = new AtomicReference<>();

    /** Makes the calling thread the sleeper; false if another thread is. */
    boolean claim() {
        return sleeper.compareAndSet(null, Thread.currentThread());
    }

    /** Ends the calling thread's turn (no-op if it is not the sleeper). */
    void release() {
        sleeper.compareAndSet(Thread.currentThread(), null);
    }

    /** Wakes the sleeper unless it is the calling thread (which looks again by itself). */
    void wake() {
        Thread t = sleeper.get();
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
        }
    }
}
