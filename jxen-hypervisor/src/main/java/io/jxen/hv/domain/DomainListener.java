package io.jxen.hv.domain;

/**
 * Told about domain lifecycle events, for the toolstack and xenstored ({@code @releaseDomain},
 * {@code VIRQ_DOM_EXC} consumers). Called with the hypervisor lock held: record and return.
 */
public interface DomainListener {

    /** {@code domain} shut down for {@code reason} (first reason wins, as in Xen). */
    default void onShutdown(Domain domain, ShutdownReason reason) {
    }

    /** Domain {@code domid} was destroyed; everything it held is released. */
    default void onDestroy(int domid) {
    }
}
