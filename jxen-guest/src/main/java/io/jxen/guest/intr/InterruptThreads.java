package io.jxen.guest.intr;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where threaded interrupt handlers run by default ({@link IrqHandler#edgeThread}, Linux's
 * {@code irq/N-name} kthreads): daemon platform threads of one pool for the whole JVM, started
 * on demand and kept for a minute when idle, so a burst of interrupts reuses them.
 *
 * <p>Not virtual threads. A virtual thread runs only when the JVM's virtual-thread scheduler
 * (a ForkJoinPool with one carrier per core) mounts it, which puts every guest's interrupt
 * handling behind whatever else of the JVM runs on those few carriers, and behind that
 * scheduler's own defects (JDK 25 has had lost wake-ups there, e.g. JDK-8369227, JDK-8373120).
 * Seen under load (JDK 25.0.3): the demo's XenBus handshake waited 30 s for xenstore replies
 * that the guest's ring already held, and the thread dump then showed the xenstore interrupt
 * thread RUNNABLE, not mounted, with both carriers parked idle; the demo did that once in 42
 * loaded runs on virtual threads and never in 55 on these. A handler that makes a hypercall
 * over a socket transport also waits in a foreign call, which would pin a carrier. Platform
 * threads are scheduled by the kernel like any other.
 */
public final class InterruptThreads {

    /** How long an idle interrupt thread waits for the next handler before it ends. */
    static final long KEEP_ALIVE_SECONDS = 60;

    private static final class Shared {
        static final ExecutorService POOL = create();
    }

    private InterruptThreads() {
    }

    /** The JVM-wide pool (created on first use). */
    public static Executor shared() {
        return Shared.POOL;
    }

    private static ExecutorService create() {
        AtomicInteger n = new AtomicInteger();
        // A SynchronousQueue hands each handler run to an idle thread or a new one: no handler
        // waits behind another (an interrupt thread may block, e.g. on a hypercall).
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                r -> Thread.ofPlatform().daemon().name("xen-ithread-" + n.incrementAndGet()).unstarted(r));
    }
}
