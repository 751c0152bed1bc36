package io.jxen.hv.domain;

import io.jxen.memory.futex.Doorbell;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hypervisor's one big lock (fair, so that preemption points in long batches really hand
 * over), which also carries the futex wakes of the doorbells rung while it was held out past
 * its release.
 *
 * <p>Why: an event-channel send marks the upcall pending and raises the target vCPU's doorbell
 * under this lock. If the futex wake were issued there too, the woken vCPU thread, whose first
 * act is usually a hypercall of its own (the echo, the EOI, the next request), would find the
 * sender still inside the lock and park on it, and the sender's release would then have to
 * unpark it: a second wake-up on the path, which is what kept send to handler entry at twice
 * the bare futex ping-pong. Xen itself sends the kick IPI ({@code vcpu_kick}) after setting
 * the pending bits without holding the event lock of the target. The doorbell's count is still
 * raised under the lock, so a waiter never sleeps through the event (the kernel compares the
 * count when it would sleep); only the system call moves to just after the release.
 *
 * <p>A condition of this lock issues the deferred wakes before it waits (a wait releases the
 * lock without {@link #unlock()}), so a thread that sends and then blocks in the same hypercall
 * (a multicall of send and {@code SCHEDOP_block}) does not hold its wakes while asleep.
 */
public final class HypervisorLock extends ReentrantLock {

    private static final long serialVersionUID = 1L;

    // Guarded by this lock: the first bell to wake on release (nearly always the only one),
    // further distinct bells in rare batches (a broadcast VIRQ, a multicall of sends).
    private transient Doorbell deferred;
    private transient List<Doorbell> moreDeferred;
    // Bumped (under the lock) by every signal of a condition of this lock: a waiter that polls
    // with the lock released sees in it the wake-up it would otherwise have slept for.
    private transient volatile long signals;

    /** A fair lock with no wakes pending. */
    public HypervisorLock() {
        super(true);
    }

    /**
     * Wakes {@code bell}'s sleepers once the current thread releases the lock; at once if it
     * does not hold it. The caller has already raised the bell's count ({@link Doorbell#raise}).
     */
    public void wakeOnUnlock(Doorbell bell) {
        if (!isHeldByCurrentThread()) {
            bell.wakeSleepers();
            return;
        }
        if (deferred == null) {
            deferred = bell;
        } else if (deferred != bell) {
            if (moreDeferred == null) {
                moreDeferred = new ArrayList<>(4);
            }
            if (!moreDeferred.contains(bell)) {
                moreDeferred.add(bell);
            }
        }
    }

    /** Releases the lock; on the outermost release, then wakes the doorbells rung meanwhile. */
    @Override
    public void unlock() {
        if (deferred == null || getHoldCount() != 1) {
            super.unlock();
            return;
        }
        Doorbell first = deferred;
        List<Doorbell> rest = moreDeferred;
        deferred = null;
        moreDeferred = null;
        super.unlock();
        wake(first, rest);
    }

    /** Issues the deferred wakes now, the lock held (before a condition wait). */
    private void wakeHeld() {
        if (deferred != null && isHeldByCurrentThread()) {
            Doorbell first = deferred;
            List<Doorbell> rest = moreDeferred;
            deferred = null;
            moreDeferred = null;
            wake(first, rest);
        }
    }

    /**
     * How many times a condition of this lock has been signalled: a thread that polls for a
     * wake-up with the lock released ({@link #releasedWhile}) compares it with the value it read
     * under the lock, as a signal it would have slept for.
     */
    public long signals() {
        return signals;
    }

    /**
     * Releases the lock completely (every hold of the current thread, issuing the deferred
     * wakes as {@link #unlock()} does), runs {@code poll}, then takes the lock again as often as
     * it was held: the halt-poll of a vCPU blocking inside a hypercall, which must not keep the
     * lock the waker needs. {@code reacquire} is spun on first (a barging {@link #tryLock()}),
     * so a poller whose waker still holds the lock for a moment does not park on it and cost
     * the waker's release a second wake-up; it may give up, then the lock is taken normally.
     *
     * @return what {@code poll} returned
     */
    public boolean releasedWhile(java.util.function.BooleanSupplier poll,
                                 java.util.function.Predicate<java.util.function.BooleanSupplier> reacquire) {
        int holds = getHoldCount();
        if (holds == 0) {
            throw new IllegalMonitorStateException("the hypervisor lock is not held");
        }
        for (int i = 0; i < holds; i++) {
            unlock();
        }
        boolean result = false;
        try {
            result = poll.getAsBoolean();
        } finally {
            int taken = result && reacquire.test(this::tryLock) ? 1 : 0;
            for (int i = taken; i < holds; i++) {
                lock();
            }
        }
        return result;
    }

    /** How many distinct doorbells wait for the release (for tests). */
    int deferredWakes() {
        return deferred == null ? 0 : 1 + (moreDeferred == null ? 0 : moreDeferred.size());
    }

    private static void wake(Doorbell first, List<Doorbell> rest) {
        first.wakeSleepers();
        if (rest != null) {
            for (Doorbell bell : rest) {
                bell.wakeSleepers();
            }
        }
    }

    @Override
    public Condition newCondition() {
        return new WakingCondition(super.newCondition());
    }

    /** A condition that issues the lock's deferred wakes before every wait. */
    private final class WakingCondition implements Condition {

        private final Condition inner;

        WakingCondition(Condition inner) {
            this.inner = inner;
        }

        @Override
        public void await() throws InterruptedException {
            wakeHeld();
            inner.await();
        }

        @Override
        public void awaitUninterruptibly() {
            wakeHeld();
            inner.awaitUninterruptibly();
        }

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            wakeHeld();
            return inner.awaitNanos(nanosTimeout);
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            wakeHeld();
            return inner.await(time, unit);
        }

        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            wakeHeld();
            return inner.awaitUntil(deadline);
        }

        @Override
        public void signal() {
            signals++; // under the lock
            inner.signal();
        }

        @Override
        public void signalAll() {
            signals++; // under the lock
            inner.signalAll();
        }
    }
}
