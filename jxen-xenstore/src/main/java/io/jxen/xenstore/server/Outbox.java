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
}
