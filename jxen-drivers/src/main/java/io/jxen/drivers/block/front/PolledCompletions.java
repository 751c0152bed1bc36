package io.jxen.drivers.block.front;

/**
 * A block device whose completions a waiting thread may take itself, without the ring's
 * interrupt: Linux's polled queues ({@code blk_poll}, io_uring's {@code IORING_SETUP_IOPOLL},
 * NVMe poll queues) in Xen ring terms. io/ring.h's backend notifies only when its push passes
 * {@code rsp_event} ({@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}); a frontend that does not
 * re-arm it ({@code RING_FINAL_CHECK_FOR_RESPONSES}, {@code rsp_event = rsp_cons + 1}) is not
 * notified, so while someone polls, a response costs the backend no event-channel send and the
 * guest no vCPU wake-up and interrupt.
 *
 * <p>Every response is taken exactly once, by a poller or by the interrupt handler (both under
 * the ring's lock), and the ring's event is armed whenever nobody polls: a poller's
 * {@link Polling#close()} arms it and takes what came in meanwhile, so a caller may block for
 * the interrupt right after.
 */
public interface PolledCompletions {

    /**
     * Starts polling: until the returned polling (and every other one open) is closed,
     * {@code rsp_event} is left behind {@code rsp_cons}, so the backend sends no event; an
     * interrupt already on its way still takes responses, but does not re-arm the event.
     * Close it before blocking, or the responses may never be noticed.
     */
    Polling startPolling();

    /**
     * Takes the responses on the ring(s) now and completes their requests (io_uring's
     * {@code GETEVENTS} with {@code min_complete} 0): safe at any time, it leaves the event
     * armed unless a {@link Polling} is open. Never blocks: 0 when another thread is taking
     * responses at that moment.
     *
     * @return requests completed by this call
     */
    int poll();

    /**
     * The vCPUs this device's completion interrupts are delivered to: a thread that sleeps for
     * its requests may wait on their interrupt lines and take those upcalls itself
     * ({@link io.jxen.guest.LineWait}). Empty where there are none to wait on.
     */
    default java.util.List<io.jxen.guest.GuestVcpu> interruptVcpus() {
        return java.util.List.of();
    }

    /**
     * Makes the calling thread the device's line sleeper until {@link #releaseSleeper()}: every
     * completion of the device, on whatever thread, unparks it (it sleeps in
     * {@link io.jxen.guest.LineWait}, not in the caller's own blocking wait). One at a time.
     *
     * @return false if another thread is the sleeper (the caller then blocks its usual way)
     */
    default boolean claimSleeper() {
        return false;
    }

    /** Ends the calling thread's turn as the line sleeper ({@link #claimSleeper()}). */
    default void releaseSleeper() {
    }

    /** One poller's window: the event stays unarmed until {@link #close()}. */
    interface Polling extends AutoCloseable {

        /**
         * Takes the responses on the ring(s) now, unarmed; never blocks (0 when another
         * thread is taking responses at that moment).
         *
         * @return requests completed by this call
         */
        int reap();

        /**
         * Stops polling: the last poller arms the event ({@code RING_FINAL_CHECK_FOR_RESPONSES})
         * and takes the responses that came in before it was armed. Idempotent.
         */
        @Override
        void close();
    }
}
