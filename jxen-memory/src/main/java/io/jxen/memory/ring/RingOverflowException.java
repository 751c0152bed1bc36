package io.jxen.memory.ring;

import java.io.Serial;

/**
 * The peer published a producer index that no well-behaved peer can publish: more entries
 * than the ring holds, or an index that went backwards. io/ring.h calls it an "ill-behaved
 * frontend" ({@code RING_REQUEST_PROD_OVERFLOW}) or backend
 * ({@code RING_RESPONSE_PROD_OVERFLOW}).
 *
 * <p>The ring is left as it was (nothing consumed, nothing written). The caller fails the
 * device (Linux blkback: "Frontend provided bogus ring requests"), never the process.
 */
public final class RingOverflowException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final int producer;
    private final int consumer;
    private final int limit;

    /**
     * @param side     "request" or "response"
     * @param producer the peer's producer index as read
     * @param consumer our consumer index
     * @param limit    the most entries that could legally be unconsumed
     */
    public RingOverflowException(String side, int producer, int consumer, int limit) {
        super("ill-behaved peer: " + side + " producer index " + Integer.toUnsignedString(producer)
                + " is " + Integer.toUnsignedString(producer - consumer) + " ahead of consumer index "
                + Integer.toUnsignedString(consumer) + ", at most " + limit + " possible; fail the device");
        this.producer = producer;
        this.consumer = consumer;
        this.limit = limit;
    }

    /** The peer's producer index as it was read (unsigned 32-bit). */
    public int producer() {
        return producer;
    }

    /** Our consumer index at the time (unsigned 32-bit). */
    public int consumer() {
        return consumer;
    }

    /** The most unconsumed entries the ring could hold at the time. */
    public int limit() {
        return limit;
    }
}
