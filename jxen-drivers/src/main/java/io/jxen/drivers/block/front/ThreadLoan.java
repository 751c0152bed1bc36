package io.jxen.drivers.block.front;

import io.jxen.hypercall.ChannelPoller;

/**
 * A blocking call's thread, lent to the backend of its queue's ring for as long as it would
 * otherwise only wait ({@link ChannelPoller}): entered before the call pushes its requests (so
 * the pushes ask for no event), serving the ring while the call waits ({@link #serve()}), and
 * ended ({@link #end()}) before the thread sleeps or when the call returns, whichever comes
 * first. A thread that slept while still lent would leave a request pushed meanwhile by a thread
 * that does not lend (a completion handler submitting a FUA write's flush, say) unserved and
 * unnotified; once it has left, the last lender's arming notifies the backend's runner of it.
 *
 * <p>One ring only, the caller's own queue's (blk-mq's mapping): the pieces of a transfer
 * striped over several queues go to the other queues' runners, which move them on other cores
 * while the caller serves its own piece.
 */
public final class ThreadLoan {

    /** Nothing lent: no backend in this process takes lenders. */
    public static final ThreadLoan NONE = new ThreadLoan(null, false);

    private ChannelPoller poller;
    /** Whether the thread entered (its pushes ask for no event): then it must leave. */
    private final boolean entered;

    private ThreadLoan(ChannelPoller poller, boolean entered) {
        this.poller = poller;
        this.entered = entered;
    }

    /** Lends the calling thread to {@code queue}'s backend, if it takes lenders. */
    static ThreadLoan enter(Blkfront queue) {
        ChannelPoller p = queue.enterBackend();
        return p == null ? NONE : new ThreadLoan(p, true);
    }

    /**
     * Lends the calling thread to {@code queue}'s backend to serve what is on the ring, without
     * entering: for a caller of the asynchronous API whose requests were pushed already, each
     * with its event. It helps ({@link ChannelPoller#help()}): the backend's runner, woken by
     * those events, serves the ring, and the helper takes turns only while the runner sleeps,
     * so a submitter keeping many requests in flight does not do the backend's work on its own
     * core ({@code ./jxen bench block}'s QD32: 0.38x of direct I/O when the submitter entered,
     * 0.40-0.55x when it polled as a lender without entering).
     */
    static ThreadLoan visit(Blkfront queue) {
        if (queue.ringSlotsInUse() > HELP_MAX_IN_FLIGHT) {
            return NONE; // a queue of requests: the runner and the submitter overlap on two cores
        }
        ChannelPoller p = queue.backendPoller();
        return p == null ? NONE : new ThreadLoan(p, false);
    }

    /**
     * A caller of the asynchronous API helps only while it waits for this many requests at
     * most: one request's latency is what helping saves (QD1 290-330k IOPS against 80-110k in
     * {@code ./jxen bench block}), while a submitter keeping a queue in flight that took turns
     * lost the overlap with the runner (QD32 0.43-0.53x of direct I/O against 0.49-0.58x).
     */
    static final int HELP_MAX_IN_FLIGHT = 1;

    /** Whether the thread is lent now. */
    public boolean lent() {
        return poller != null;
    }

    /**
     * Serves the backend's ring on the calling thread ({@link ChannelPoller#poll()}); never
     * blocks.
     *
     * @return requests served (0 when another thread has the turn), or -1 when not lent
     */
    public int serve() {
        ChannelPoller p = poller;
        return p == null ? -1 : entered ? p.poll() : p.help();
    }

    /** Ends the loan (the last lender out re-arms the ring's event). Idempotent. */
    public void end() {
        ChannelPoller p = poller;
        if (p != null) {
            poller = null;
            if (entered) {
                p.leave();
            }
        }
    }
}
