package io.jxen.hv.hypercall;

import io.jxen.hv.domain.Vcpu;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Xen's {@code hypercall_preempt_check} for long batches (multicall, grant-table arrays): between
 * elements, if another vCPU waits for the hypervisor lock, hand it over and queue up again (the
 * lock is fair), so one guest's thousand-entry batch cannot stall every other vCPU. Where Xen
 * would create a continuation, jxen simply resumes the loop after the hand-over.
 */
public final class Preemption {

    private final ReentrantLock lock;

    /** @param lock the hypervisor lock, fair */
    public Preemption(ReentrantLock lock) {
        this.lock = lock;
    }

    /**
     * A preemption point; the caller holds the lock exactly once.
     *
     * @return false if the caller's domain died meanwhile (the batch must stop)
     */
    public boolean point(Vcpu caller) {
        if (lock.getHoldCount() == 1 && lock.hasQueuedThreads()) {
            lock.unlock();
            lock.lock();
        }
        return !caller.domain().dying();
    }
}
