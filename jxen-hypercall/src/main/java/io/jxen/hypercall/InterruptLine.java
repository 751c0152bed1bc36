package io.jxen.hypercall;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A vCPU's interrupt line as an in-process hypervisor raises it: besides waking the vCPU's
 * idle thread out of {@code SCHEDOP_block}, the hypervisor offers each raised upcall
 * ({@code evtchn_upcall_pending} going from 0 to 1) to one guest thread that waits on the
 * line, and when that thread takes it the idle thread is left asleep.
 *
 * <p>Why: in a guest on Xen, a program that blocks for I/O leaves its vCPU idle, and the
 * completion interrupt wakes that same vCPU, whose handler makes the program runnable again on
 * the same CPU: one wake-up. In jxen a vCPU is a thread of its own, so the same completion took
 * two: the vCPU's idle thread, then, from its handler, the program's thread (and a backend's
 * kick the same two on dom0's side: dom0's vCPU, then blkback's runner). A thread that is about
 * to sleep for something an interrupt of this vCPU brings about can instead wait on the line
 * and run the upcall itself ({@code GuestVcpu#poll}, which lets one thread at a time be the
 * vCPU), as the idle loop of the CPU it blocked on would.
 *
 * <p>One waiter at a time. {@link #raise()} is called with the hypervisor lock held and only
 * unparks. A waiter that detaches must look at {@code evtchn_upcall_pending} afterwards and
 * deliver what is there: an upcall raised between its last look and the detach was given to it
 * and woke nobody else. Both sides use volatile accesses (the pending byte is set before
 * {@link #raise()} reads the waiter; the waiter is cleared before the detaching thread reads the
 * byte), so at least one of them sees the other.
 */
public final class InterruptLine {

    private final AtomicReference<Thread> waiter = new AtomicReference<>();
    private final Runnable wakeIdle;
    private volatile long taken;

    /**
     * @param wakeIdle wakes the vCPU's idle thread out of {@code SCHEDOP_block} (Xen's
     *                 {@code vcpu_unblock}, taking the hypervisor lock): the hand-back of an
     *                 upcall that was given to a waiter that could not deliver it
     */
    public InterruptLine(Runnable wakeIdle) {
        this.wakeIdle = java.util.Objects.requireNonNull(wakeIdle, "wakeIdle");
    }

    /**
     * The hypervisor's side: an upcall was raised for this vCPU. Unparks the waiting thread.
     *
     * @return true if a thread waits on the line and will deliver the upcall (the vCPU's idle
     *         thread need not be woken for it)
     */
    public boolean raise() {
        Thread t = waiter.get();
        if (t == null) {
            return false;
        }
        taken++; // under the hypervisor lock: one writer at a time
        LockSupport.unpark(t);
        return true;
    }

    /**
     * Makes the calling thread the line's waiter.
     *
     * @return false if another thread already waits on it (the caller then sleeps as it would
     *         without the line)
     */
    public boolean attach() {
        return waiter.compareAndSet(null, Thread.currentThread());
    }

    /** Ends the calling thread's wait on the line (no-op if it is not the waiter). */
    public void detach() {
        waiter.compareAndSet(Thread.currentThread(), null);
    }

    /**
     * Wakes the waiter, unless it is the calling thread (an upcall another thread delivered may
     * be what it waits for, or one was raised for it while that thread held the vCPU).
     *
     * @return whether a thread waits on the line (the calling thread included)
     */
    public boolean wakeWaiter() {
        Thread t = waiter.get();
        if (t == null) {
            return false;
        }
        if (t != Thread.currentThread()) {
            LockSupport.unpark(t);
        }
        return true;
    }

    /**
     * Hands a raised upcall back to the vCPU's idle thread: for a thread that finds it pending
     * after the waiter left (the waiter was offered it, so {@link #raise()} woke nobody else).
     */
    public void wakeIdle() {
        wakeIdle.run();
    }

    /** Whether a thread waits on the line now. */
    public boolean attached() {
        return waiter.get() != null;
    }

    /** Upcalls a waiting thread took instead of the vCPU's idle thread. */
    public long taken() {
        return taken;
    }
}
