package io.jxen.memory.ring;

import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The back end of an io/ring.h ring ({@code NAME##_back_ring}): takes requests off, puts
 * responses on. One thread drives it.
 *
 * <pre>
 *   index space (mod 2^32), back's view:
 *
 *   rsp_prod (shared)  rsp_prod_pvt          req_cons               req_prod (peer)
 *      | not yet pushed |  consumed, in service |  requests to copy     |
 *   ---+----------------+-----------------------+-----------------------+-------
 *      |&lt;--------- at most entries (RING_REQUEST_PROD_OVERFLOW) -----&gt;|
 * </pre>
 *
 * <p>A typical back end:
 * <pre>{@code
 *   do {
 *       for (int n = back.unconsumedRequests(); n > 0; n--) { back.copyRequest(mine); validateAndStart(mine); }
 *   } while (back.finalCheckForRequests());
 *   ...when a request completes:
 *   back.putResponse(encoded);
 *   if (back.pushResponsesAndCheckNotify()) notifyRemote();
 * }</pre>
 *
 * <p>The front end is hostile (XSA-155): {@code req_prod} is read once per check and
 * validated, each request is copied out exactly once into caller-provided private memory,
 * and only the copy is validated and decoded. A bogus index throws
 * {@link RingOverflowException} with the ring untouched; the caller fails the device.
 */
public final class BackRing {

    private final SharedRing ring;
    private final MemorySegment shared;
    private final int entries;

    /** {@code rsp_prod_pvt}: the next response slot this side fills. */
    private int responseProducerPrivate;
    /** What this side last published as {@code rsp_prod}; kept privately (see pushes). */
    private int responseProducerPushed;
    /** {@code req_cons}: the next request to copy out. */
    private int requestConsumer;
    /** The peer's {@code req_prod} as last read and validated. */
    private int requestProducerSeen;

    private BackRing(SharedRing ring, int index) {
        this.ring = ring;
        this.shared = ring.header();
        this.entries = ring.entries();
        this.responseProducerPrivate = index;
        this.responseProducerPushed = index;
        this.requestConsumer = index;
        this.requestProducerSeen = index;
    }

    /** {@code BACK_RING_INIT}: a back end at index 0; the shared page is not touched. */
    public static BackRing init(SharedRing ring) {
        return new BackRing(ring, 0);
    }

    /** {@code BACK_RING_ATTACH}: a back end whose indices start at {@code index}. */
    public static BackRing attach(SharedRing ring, int index) {
        return new BackRing(ring, index);
    }

    /** The shared ring. */
    public SharedRing ring() {
        return ring;
    }

    /** Entries in the ring ({@code RING_SIZE}). */
    public int entries() {
        return entries;
    }

    /** {@code req_cons} (unsigned 32-bit). */
    public int requestConsumer() {
        return requestConsumer;
    }

    /** {@code rsp_prod_pvt} (unsigned 32-bit). */
    public int responseProducerPrivate() {
        return responseProducerPrivate;
    }

    /** Requests copied out and not yet answered. */
    public int requestsInService() {
        return requestConsumer - responseProducerPrivate;
    }

    /**
     * {@code RING_HAS_UNCONSUMED_REQUESTS}: reads the front end's {@code req_prod} once,
     * validates it, and returns how many requests may be copied out now.
     *
     * @return requests ready to copy
     * @throws RingOverflowException if the front end claims more requests than the ring can
     *         hold ({@code RING_REQUEST_PROD_OVERFLOW}), or its index went backwards;
     *         nothing is consumed, fail the device
     */
    public int unconsumedRequests() {
        // One read of the peer's index, then xen_rmb(): "Ensure we see queued requests up
        // to 'rp'" (Linux blkback), the consumer's half of RING_PUSH_REQUESTS' xen_wmb().
        int producer = OrderedAccess.getIntAcquire(shared, SharedRingDescriptor.REQ_PROD_OFFSET);
        int ready = producer - requestConsumer;
        // Slots not holding a request in service or a response not yet consumed: ring.h's
        // second term of RING_HAS_UNCONSUMED_REQUESTS. More than that is RING_REQUEST_PROD_OVERFLOW.
        int capacity = entries - (requestConsumer - responseProducerPrivate);
        if (Integer.compareUnsigned(ready, capacity) > 0) {
            throw new RingOverflowException("request", producer, requestConsumer, capacity);
        }
        requestProducerSeen = producer;
        return ready;
    }

    /**
     * Requests the last {@link #unconsumedRequests()} counted that are not copied out yet: a
     * request spanning several slots (FreeBSD's segment blocks) must lie wholly within them.
     */
    public int countedRequests() {
        return requestProducerSeen - requestConsumer;
    }

    /**
     * {@code RING_COPY_REQUEST} then {@code req_cons++}: copies the next request, which the
     * last {@link #unconsumedRequests()} counted, into {@code destination} (private memory).
     * Validate and decode only the copy.
     *
     * @param destination at least an entry's bytes
     * @throws IllegalStateException if no counted request is left
     */
    public void copyRequest(MemorySegment destination) {
        if (requestConsumer == requestProducerSeen) {
            throw new IllegalStateException("no counted request left: call unconsumedRequests() first");
        }
        ring.copyOut(requestConsumer, destination);
        requestConsumer++;
    }

    /**
     * {@code RING_REQUEST_CONS_OVERFLOW}: whether consuming at {@code consumer} would leave
     * no slot for its response ({@code (cons - rsp_prod_pvt) >= RING_SIZE}).
     */
    public boolean requestConsumerOverflow(int consumer) {
        return Integer.compareUnsigned(consumer - responseProducerPrivate, entries) >= 0;
    }

    /**
     * The slot of the next response, to encode it in place (write every byte: XSA-216);
     * {@link #produceResponse()} then makes it part of the next push.
     *
     * @throws IllegalStateException if no consumed request awaits a response (or the slot straddles
     *         two separate ring pages, {@link SharedRing#straddles}: use the copying put)
     */
    public MemorySegment responseSlot() {
        checkRequestInService();
        return ring.slot(responseProducerPrivate);
    }

    /** Counts the response encoded in {@link #responseSlot()} ({@code rsp_prod_pvt++}). */
    public void produceResponse() {
        checkRequestInService();
        responseProducerPrivate++;
    }

    /**
     * Copies {@code response} into the next response slot, zeroing the rest of the slot
     * (no stale bytes reach the front end, XSA-216), and counts it. Responses go out in the
     * order of this call; the slot reused is that of an already copied request.
     *
     * @throws IllegalStateException if no consumed request awaits a response
     */
    public void putResponse(MemorySegment response) {
        checkRequestInService();
        ring.copyIn(responseProducerPrivate, response);
        responseProducerPrivate++;
    }

    /** {@code RING_PUSH_RESPONSES}: publishes the responses produced so far, no notify check. */
    public void pushResponses() {
        // xen_wmb(): "front sees resps /before/ updated producer index" (ring.h).
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.RSP_PROD_OFFSET, responseProducerPrivate);
        responseProducerPushed = responseProducerPrivate;
    }

    /**
     * {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}: publishes the responses produced so far
     * and says whether the front end's {@code rsp_event} lies in {@code (old, new]}. "Old" is
     * this side's own copy, not re-read from the shared page.
     *
     * @return true if the caller must notify the front end
     */
    public boolean pushResponsesAndCheckNotify() {
        int oldProducer = responseProducerPushed;
        int newProducer = responseProducerPrivate;
        // xen_wmb() then the store: "front sees resps /before/ updated producer index".
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.RSP_PROD_OFFSET, newProducer);
        responseProducerPushed = newProducer;
        // xen_mb(): "front sees new resps /before/ we check rsp_event" (ring.h): store->load.
        OrderedAccess.fullFence();
        int event = OrderedAccess.getIntAcquire(shared, SharedRingDescriptor.RSP_EVENT_OFFSET);
        return SharedRing.mustNotify(oldProducer, newProducer, event);
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS}: before sleeping, asks for a notification on the
     * very next request ({@code req_event = req_cons + 1}) and checks once more.
     *
     * @return true if requests arrived meanwhile (do not sleep)
     * @throws RingOverflowException as {@link #unconsumedRequests()}
     */
    public boolean finalCheckForRequests() {
        if (unconsumedRequests() > 0) {
            return true;
        }
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.REQ_EVENT_OFFSET, requestConsumer + 1);
        // xen_mb() (ring.h RING_FINAL_CHECK_FOR_REQUESTS): our req_event store must be
        // visible before we re-read req_prod, or a request pushed in between is neither
        // seen here nor notified by the front end.
        OrderedAccess.fullFence();
        return unconsumedRequests() > 0;
    }

    /** Sets {@code req_event} directly, for batching; follow with a fence and a check. */
    public void setRequestEvent(int event) {
        OrderedAccess.setIntRelease(shared, SharedRingDescriptor.REQ_EVENT_OFFSET, event);
    }

    private void checkRequestInService() {
        if (responseProducerPrivate == requestConsumer) {
            throw new IllegalStateException("no request in service: a response answers a consumed request");
        }
    }

    @Override
    public String toString() {
        return "BackRing[" + ring + ", rsp_prod_pvt=" + Integer.toUnsignedString(responseProducerPrivate)
                + ", req_cons=" + Integer.toUnsignedString(requestConsumer) + "]";
    }
}
