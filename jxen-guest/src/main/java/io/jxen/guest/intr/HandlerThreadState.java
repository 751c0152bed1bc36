package io.jxen.guest.intr;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a threaded handler's thread must run (FreeBSD's ithread {@code it_need}): an event
 * while the thread is idle starts it; an event while it runs makes it run once more; the thread
 * goes idle only if no event came since it last started the handler. One atomic word, so an
 * event cannot fall between "the thread saw no new event" and "the thread is idle".
 *
 * <p>It used to be two flags (scheduled, rerun). An upcall that found the thread still
 * scheduled, and was preempted before it set rerun, could let the thread clear scheduled and
 * check rerun in between: the event was then lost until the port's next one. A guest's xenstore
 * ring client (an edge-triggered threaded handler) waited for a reply that sat in its ring, with
 * no event pending, for 30 s (XenBus connects timing out in CI, session 7 and session 9).
 */
final class HandlerThreadState {

    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int RUN_AGAIN = 2;

    private final AtomicInteger state = new AtomicInteger(IDLE);

    /**
     * An event came.
     *
     * @return true if the caller must start the thread (it was idle); false if the running
     *         thread will run the handler again
     */
    boolean event() {
        while (true) {
            int s = state.get();
            if (s == IDLE) {
                if (state.compareAndSet(IDLE, RUNNING)) {
                    return true;
                }
            } else if (s == RUN_AGAIN || state.compareAndSet(RUNNING, RUN_AGAIN)) {
                return false;
            }
        }
    }

    /** The thread is about to run the handler: events so far are covered by this run. */
    void starting() {
        state.set(RUNNING);
    }

    /**
     * The thread ran the handler.
     *
     * @return true if it is idle now; false if an event came since {@link #starting()} (run again)
     */
    boolean finished() {
        return state.compareAndSet(RUNNING, IDLE);
    }
}
