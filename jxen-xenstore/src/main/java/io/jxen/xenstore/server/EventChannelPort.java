package io.jxen.xenstore.server;

/**
 * xenstored's end of a domain's store event channel, as the host provides it (a bound
 * interdomain port of the xenstored domain). The other direction, the guest notifying, reaches
 * the ring through {@link RingConnection#notified()}.
 */
@FunctionalInterface
public interface EventChannelPort {

    /** {@code EVTCHNOP_send} on the local port: the guest's store port becomes pending. */
    void notifyPeer();
}
