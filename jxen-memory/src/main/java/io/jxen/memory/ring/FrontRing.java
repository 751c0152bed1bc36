package io.jxen.memory.ring;

import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The front end of an io/ring.h ring ({@code NAME##_front_ring}): puts requests on,
 * takes responses off. One thread drives it (the ring.h macros take no locks either).
 *
 * <pre>
 *   index space (mod 2^32), front's view:
 *
 *   rsp_cons          rsp_prod (peer)        req_prod (shared)   req_prod_pvt
 *      |  responses ready  |  requests in flight    |  not yet pushed  |  free ...
 *   ---+-------------------+------------------------+------------------+--------
 *      |&lt;------------- at most entries: RING_FREE_REQUESTS ---------&gt;|
 * </pre>
 *
 * <p>A typical front end:
 * <pre>{@code
 *   while (!front.isFull() && haveWork) front.putRequest(encoded);
 *   if (front.pushRequestsAndCheckNotify()) notifyRemote();
 *   ...on an event:
 *   do {
 *       for (int n = front.unconsumedResponses(); n > 0; n--) { front.copyResponse(mine); decode(mine); }
 *   } while (front.finalCheckForResponses());
 * }</pre>
 *
 * <p>The back end is hostile: its {@code rsp_prod} is read once per check and validated,
 * and each response is copied out exactly once into the caller's private memory before
 * anyone decodes it ({@code RING_COPY_RESPONSE}).
 */
public final class FrontRing {

    private final SharedRing ring;
    private final MemorySegment shared;
    private final int entries;

    /** {@code req_prod_pvt}: the next request slot this side fills. */
    private int requestProducerPrivate;
    /** What this side last published as {@code req_prod}; kept privately (see pushes). */
    private int requestProducerPushed;
    /** {@code rsp_cons}: the next response to copy out. */
    private int responseConsumer;
    /** The peer's {@code rsp_prod} as last read and validated. */
    private int responseProducerSeen;

    private FrontRing(SharedRing ring, int index) {
        this.ring = ring;
        this.shared = ring.header();
        this.entries = ring.entries();
        this.requestProducerPrivate = index;
        this.requestProducerPushed = index;
        this.responseConsumer = index;
        this.responseProducerSeen = index;
    }

    /**
     * {@code XEN_FRONT_RING_INIT}: initialises the shared page ({@code SHARED_RING_INIT}) and
     * a front end at index 0. Only the front end initialises the shared page.
     */
    public static FrontRing init(SharedRing ring) {
        ring.init();
        return new FrontRing(ring, 0);
    }

    /**
     * {@code FRONT_RING_ATTACH}: a front end over an already initialised ring whose indices
     * are all at {@code index} (e.g. after {@link SharedRing#initAt(int)} or a resume).
     */
    public static FrontRing attach(SharedRing ring, int index) {
        return new FrontRing(ring, index);
    }

    /** The shared ring. */
    public SharedRing ring() {
        return ring;
    }

    /** Entries in the ring ({@code RING_SIZE}). */
    public int entries() {
        return entries;
    }

    /** {@code req_prod_pvt} (unsigned 32-bit). */
    public int requestProducerPrivate() {
        return requestProducerPrivate;
    }

    /** {@code rsp_cons} (unsigned 32-bit). */
    public int responseConsumer() {
        return responseConsumer;
    }

    /** {@code RING_FREE_REQUESTS}: request slots this side may still fill. */
    public int freeRequests() {
        return entries - (requestProducerPrivate - responseConsumer);
    }

    /** {@code RING_FULL}: no request slot is free. */
    public boolean isFull() {
        return freeRequests() == 0;
    }

    /**
     * The slot of the next request, to encode it in place; {@link #produceRequest()} then
     * makes it part of the next push. Only this side writes it until then.
     *
     * @throws IllegalStateException if the ring is full (or the slot straddles
     *         two separate ring pages, {@link SharedRing#straddles}: use the copying put)
     */
    public MemorySegment requestSlot() {
        checkNotFull();
        return ring.slot(requestProducerPrivate);
    }

    /** Counts the request encoded in {@link #requestSlot()} ({@code req_prod_pvt++}). */
    public void produceRequest() {
        checkNotFull();
        requestProducerPrivate++;
    }

    /**
     * Copies {@code request} into the next slot, zeroing the rest of the slot, and counts
     * it; the back end sees it after the next push.
     *
     * @param request at most an entry's bytes
     * @throws IllegalStateException if the ring is full
     */
    public void putRequest(MemorySegment request) {
        checkNotFull();
        ring.copyIn(requestProducerPrivate, request);
        requestProducerPrivate++;
    }

    /** {@code RING_PUSH_REQUESTS}: publishes the requests produced so far, no notify check. */
    public void pushRequests() {
        // xen_wmb(): "back sees requests /before/ updated producer index" (ring.h
        // RING_PUSH_REQUESTS); a release store is that barrier followed by the store.
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.REQ_PROD_OFFSET, requestProducerPrivate);
        requestProducerPushed = requestProducerPrivate;
    }

    /**
     * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}: publishes the requests produced so far and
     * says whether the back end asked to be notified of them, i.e. whether its
     * {@code req_event} lies in {@code (old, new]}.
     *
     * <p>ring.h reads "old" back from the shared page; this side keeps its own copy instead,
     * so a back end scribbling on {@code req_prod} cannot change the decision.
     *
     * @return true if the caller must notify the back end (event channel)
     */
    public boolean pushRequestsAndCheckNotify() {
        int oldProducer = requestProducerPushed;
        int newProducer = requestProducerPrivate;
        // xen_wmb() then the store: "back sees requests /before/ updated producer index".
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.REQ_PROD_OFFSET, newProducer);
        requestProducerPushed = newProducer;
        // xen_mb(): "back sees new requests /before/ we check req_event" (ring.h). A
        // store->load fence: without it our req_prod store and the back end's req_event store
        // (RING_FINAL_CHECK_FOR_REQUESTS) can pass each other and both sides sleep.
        OrderedAccess.fullFence();
        int event = OrderedAccess.getIntAcquire(shared, SharedRingDescriptor.REQ_EVENT_OFFSET);
        return SharedRing.mustNotify(oldProducer, newProducer, event);
    }

    /**
     * {@code RING_HAS_UNCONSUMED_RESPONSES}: reads the back end's {@code rsp_prod} once,
     * validates it, and returns how many responses may be copied out now.
     *
     * @return responses ready, 0 to the number of requests pushed and not yet answered
     * @throws RingOverflowException if the back end claims more responses than there are
     *         requests in flight ({@code RING_RESPONSE_PROD_OVERFLOW} and stricter); nothing
     *         is consumed, fail the device
     */
    public int unconsumedResponses() {
        // One read of the peer's index, then xen_rmb(): responses up to it are visible
        // before we copy them (the consumer's half of RING_PUSH_RESPONSES' xen_wmb()).
        int producer = OrderedAccess.getIntAcquire(shared, SharedRingDescriptor.RSP_PROD_OFFSET);
        int ready = producer - responseConsumer;
        int inFlight = requestProducerPushed - responseConsumer;
        if (Integer.compareUnsigned(ready, inFlight) > 0) {
            throw new RingOverflowException("response", producer, responseConsumer, inFlight);
        }
        responseProducerSeen = producer;
        return ready;
    }

    /**
     * {@code RING_COPY_RESPONSE} then {@code rsp_cons++}: copies the next response, which the
     * last {@link #unconsumedResponses()} counted, into {@code destination} (private memory).
     * Decode only the copy: the back end may change the slot at any time.
     *
     * @param destination at least an entry's bytes
     * @throws IllegalStateException if no counted response is left
     */
    public void copyResponse(MemorySegment destination) {
        if (responseConsumer == responseProducerSeen) {
            throw new IllegalStateException("no counted response left: call unconsumedResponses() first");
        }
        ring.copyOut(responseConsumer, destination);
        responseConsumer++;
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: before sleeping, asks for a notification on the
     * very next response ({@code rsp_event = rsp_cons + 1}) and checks once more.
     *
     * @return true if responses arrived meanwhile (do not sleep)
     * @throws RingOverflowException as {@link #unconsumedResponses()}
     */
    public boolean finalCheckForResponses() {
        if (unconsumedResponses() > 0) {
            return true;
        }
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.RSP_EVENT_OFFSET, responseConsumer + 1);
        // xen_mb() (ring.h RING_FINAL_CHECK_FOR_RESPONSES): our rsp_event store must be
        // visible before we re-read rsp_prod, or a response pushed in between is neither
        // seen here nor notified by the back end.
        OrderedAccess.fullFence();
        return unconsumedResponses() > 0;
    }

    /**
     * Sets {@code rsp_event} directly, for batching (ring.h: "a customised version of the
     * FINAL_CHECK macro ... which sets the event field appropriately"). Follow it with
     * {@link OrderedAccess#fullFence()} and a check before sleeping.
     */
    public void setResponseEvent(int event) {
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.RSP_EVENT_OFFSET, event);
    }

    private void checkNotFull() {
        if (isFull()) {
            throw new IllegalStateException("ring full: " + entries + " requests in flight");
        }
    }

    @Override
    public String toString() {
        return "FrontRing[" + ring + ", req_prod_pvt=" + Integer.toUnsignedString(requestProducerPrivate)
                + ", rsp_cons=" + Integer.toUnsignedString(responseConsumer) + "]";
    }
}
