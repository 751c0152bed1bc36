package io.jxen.drivers.block.front;

import io.jxen.hypercall.ChannelPoller;

import java.util.List;

/**
 * A blocking call's thread, lent to the backends of the rings it uses for as long as it would
 * otherwise only wait ({@link ChannelPoller}): entered before the call pushes its requests (so
 * the pushes ask for no event), and ended, {@link #run()}, before the thread sleeps or when the
 * call returns, whichever comes first. A thread that sleeps while still lent would leave a
 * request pushed meanwhile by a thread that does not lend (a completion handler submitting a
 * FUA write's flush, say) unserved and unnotified; once it has left, the last lender's arming
 * notifies the backend's runner of such a request.
 */
final class ThreadLoan implements Runnable {

    /** Nothing lent: no backend in this process takes lenders. */
    static final ThreadLoan NONE = new ThreadLoan(null);

    private ChannelPoller[] entered;

    private ThreadLoan(ChannelPoller[] entered) {
        this.entered = entered;
    }

    /** Lends the calling thread to the backend of each of {@code queues} that takes lenders. */
    static ThreadLoan enter(List<Blkfront> queues) {
        ChannelPoller[] entered = null;
        for (int i = 0; i < queues.size(); i++) {
            ChannelPoller p = queues.get(i).enterBackend();
            if (p != null) {
                if (entered == null) {
                    entered = new ChannelPoller[queues.size()];
                }
                entered[i] = p;
            }
        }
        return entered == null ? NONE : new ThreadLoan(entered);
    }

    /** Lends the calling thread to {@code queue}'s backend, if it takes lenders. */
    static ThreadLoan enter(Blkfront queue) {
        ChannelPoller p = queue.enterBackend();
        return p == null ? NONE : new ThreadLoan(new ChannelPoller[] {p});
    }

    /** Ends the loan (each backend left once; the last lender out re-arms its ring). Idempotent. */
    @Override
    public void run() {
        ChannelPoller[] e = entered;
        if (e == null) {
            return;
        }
        entered = null;
        for (ChannelPoller p : e) {
            if (p != null) {
                p.leave();
            }
        }
    }
}
