package io.jxen.guest.gnttab;

import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;
import io.jxen.runtime.SystemClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The grant client's deferred-release timer, Linux's {@code deferred_timer}
 * (drivers/xen/grant-table.c): armed {@link #RETRY_INTERVAL_NANOS} ahead when a release is
 * deferred and no retry is pending ({@code gnttab_add_deferred}: {@code jiffies + HZ}); when it
 * fires, one pass over the deferred list ({@code gnttab_handle_deferred}), re-armed as long as
 * entries remain. So a reference whose peer lets go comes back, and its page is freed, even when
 * no driver of the kernel allocates again.
 *
 * <p>It is an {@link Agent} on the kernel's {@link Clock}: with the real clock the client runs
 * it on a daemon thread of its own, started when it is armed and ending when nothing is left
 * deferred, that parks until the deadline; on any other clock (a simulation's virtual one) whoever steps the clock
 * calls {@link #doWork()}, so runs stay deterministic.
 */
public final class DeferredReleaseTimer implements Agent {

    /** Retry period: Linux's {@code HZ} jiffies, one second. */
    public static final long RETRY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final GrantTableClient client;
    private final Clock clock;
    private final String name;
    private final Object lock = new Object();
    private boolean armed;
    private long deadlineNanos;
    private long fired;
    private Thread thread;

    DeferredReleaseTimer(GrantTableClient client, Clock clock, String name) {
        this.client = client;
        this.clock = clock;
        this.name = name;
    }

    /** Arms the timer unless it is armed already ({@code if (!timer_pending(...)) add_timer(...)}). */
    void armIfIdle() {
        Thread wake = null;
        synchronized (lock) {
            if (armed) {
                return;
            }
            armed = true;
            deadlineNanos = clock.nanoTime() + RETRY_INTERVAL_NANOS;
            if (clock == SystemClock.INSTANCE) {
                if (thread == null) {
                    thread = Thread.ofPlatform().daemon().name(name).start(this::runOnRealTime);
                }
                wake = thread;
            }
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    /** Whether a retry is pending. */
    public boolean armed() {
        synchronized (lock) {
            return armed;
        }
    }

    /** When the pending retry is due on the kernel's clock, or {@link Long#MAX_VALUE} if none is. */
    public long deadlineNanos() {
        synchronized (lock) {
            return armed ? deadlineNanos : Long.MAX_VALUE;
        }
    }

    /** How many times the timer fired (retry passes it ran). */
    public long fired() {
        synchronized (lock) {
            return fired;
        }
    }

    /**
     * If the timer is due: one retry pass over the deferred list (callbacks run on this thread),
     * then re-armed one period ahead if entries remain.
     *
     * @return entries released (0 when not due)
     */
    @Override
    public int doWork() {
        synchronized (lock) {
            if (!armed || clock.nanoTime() - deadlineNanos < 0) {
                return 0;
            }
            armed = false;
            fired++;
        }
        // A deferral meanwhile arms it again; so does what this pass leaves behind.
        return client.timerRetry();
    }

    @Override
    public String roleName() {
        return name;
    }

    /**
     * The real-time thread: parks until the deadline, retries, and ends once nothing is
     * deferred (the next deferral starts another), so an idle kernel keeps no thread.
     */
    private void runOnRealTime() {
        while (true) {
            long wait;
            synchronized (lock) {
                if (!armed) {
                    thread = null;
                    return;
                }
                wait = deadlineNanos - clock.nanoTime();
            }
            if (wait <= 0) {
                try {
                    doWork();
                } catch (RuntimeException e) {
                    System.getLogger("gnttab").log(System.Logger.Level.WARNING, name + ": " + e, e);
                }
            } else {
                LockSupport.parkNanos(this, wait);
            }
        }
    }
}
