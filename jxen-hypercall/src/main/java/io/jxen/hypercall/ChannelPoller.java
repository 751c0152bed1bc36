package io.jxen.hypercall;

/**
 * The poll routine a domain attaches to its end of an interdomain event channel, which a thread
 * of the peer domain that is about to wait for this end may run itself: Linux's busy polling of
 * a device (a socket reader that would sleep for the NIC's interrupt runs the driver's NAPI
 * {@code poll} in its own context, {@code napi_busy_loop}), across the channel. In-process only
 * ({@link GuestPlatform#peerPoller}): a jxen vCPU is a host thread, and a thread about to block
 * for a backend's answer can serve the backend's ring itself, where otherwise its kick would wake
 * the backend's thread and the answer would wake it back (two wake-ups a request, on a machine
 * where a cross-core wake-up costs an IPI and a halt exit). On Xen the pCPU a vCPU blocks on runs
 * the backend domain's vCPU next in much the same way.
 *
 * <p>The owner (a backend) decides what a poll does and keeps its own rules: the requests it
 * serves are still read from the shared ring, copied once and validated as from any peer.
 *
 * <p>A thread that lends itself brackets its push and its wait with {@link #enter()} and
 * {@link #leave()}: while someone is entered, the owner may leave its end unarmed (no event
 * asked for on the next request, so the push costs no hypercall and wakes nobody), because an
 * entered thread will {@link #poll()} after its push; the last to leave arms it again.
 */
public interface ChannelPoller {

    /**
     * The calling thread will push work to this end and then wait for it, polling.
     *
     * @return false if the owner takes no lenders (closed, or gone): do not {@link #leave()}
     */
    boolean enter();

    /**
     * Runs the owner's pending work on the calling thread. Never blocks waiting for another
     * thread: 0 at once when another thread is running it (that thread looks at the ring again
     * after it stops, so work pushed before this call is not left behind).
     *
     * @return units of work done (requests served)
     */
    int poll();

    /** Ends an {@link #enter()}; the last thread to leave re-arms the owner's end. */
    void leave();

    /**
     * As {@link #poll()}, for a thread that did not {@link #enter()}: its requests went out
     * with their events, and the owner's own thread serves them. An owner may decline (0) while
     * its thread is at work, so a helper does not take turns from it and leave the submitting
     * thread's core doing the owner's work (a submitter keeping many requests in flight then
     * loses the two cores' overlap).
     *
     * @return units of work done
     */
    default int help() {
        return poll();
    }
}
