package io.jxen.xenstore.server;

import io.jxen.xenstore.wire.XsMessage;

/** Where a connection's replies and watch events go, in order. */
@FunctionalInterface
public interface Outbox {

    /**
     * Queues a message for the peer.
     *
     * @param message the message
     * @return false when the peer is too far behind (its bounded queue is full): the
     *         connection must then be dropped
     */
    boolean offer(XsMessage message);

    /**
     * Queues a message and runs {@code delivered} once it has left for the peer or has been
     * dropped (C xenstored keeps the request that caused a watch event outstanding until then).
     * Outboxes that hand messages over at once run it at once.
     *
     * @param message   the message
     * @param delivered run once, on any thread, when the message is gone
     * @return as {@link #offer(XsMessage)}
     */
    default boolean offer(XsMessage message, Runnable delivered) {
        try {
            return offer(message);
        } finally {
            delivered.run();
        }
    }

    /**
     * Bytes of messages queued here and not yet handed to the peer (header included), which
     * C xenstored charges to the domain's {@code memory} quota until written.
     *
     * @return the bytes, 0 for an outbox that delivers at once
     */
    default long queuedBytes() {
        return 0;
    }

    /**
     * Replies queued here and not yet handed to the peer: C xenstored's {@code outstanding}
     * requests of the connection.
     *
     * @return the count, 0 for an outbox that delivers at once
     */
    default int outstanding() {
        return 0;
    }
}
