package io.jxen.xenstore.server;

import io.jxen.xenstore.wire.XenstoreException;

/**
 * Where xenstored's domain ring connections come from: the host side that can reach a
 * domain's store page and event channel (the hypervisor's grant table and event channels),
 * kept out of this module so the daemon does not depend on the hypervisor. The core calls it
 * under its lock for XS_INTRODUCE, XS_RELEASE and XS_RESUME; implementations must not call
 * back into the core from these methods.
 */
public interface DomainRings {

    /**
     * XS_INTRODUCE of a domain not introduced yet: map its store page, bind its store event
     * channel and attach a {@link RingConnection} (through {@link XenstoredCore#connectRing}).
     *
     * @param domid the domain
     * @param gfn   the store page's frame number in the guest, as the toolstack sent it
     * @param port  the guest's unbound store port (for dom0)
     * @throws XenstoreException the errno C xenstored answers when it cannot (EINVAL for a
     *                           ring it cannot map or a port it cannot bind, ENOENT for no such
     *                           domain): the domain then stays unintroduced
     */
    void introduce(int domid, long gfn, int port) throws XenstoreException;

    /**
     * XS_INTRODUCE of an introduced domain: C rebinds the event channel (a guest that did a
     * soft reset); the ring stays. A domain introduced without a ring (restored from the
     * journal after a restart) gets its ring now.
     *
     * @param domid the domain
     * @param gfn   the store page's frame number in the guest
     * @param port  the guest's store port
     * @throws XenstoreException EINVAL if the port cannot be bound or the ring mapped
     */
    default void reintroduce(int domid, long gfn, int port) throws XenstoreException {
    }

    /**
     * XS_RELEASE (or the domain's death): unmap the page, close the event channel, stop the
     * ring connection. The core has already disconnected the domain's connection.
     *
     * @param domid the domain
     */
    void release(int domid);

    /** No rings: INTRODUCE only records the domain (a socket-only xenstored, tests). */
    DomainRings NONE = new DomainRings() {
        @Override
        public void introduce(int domid, long gfn, int port) {
        }

        @Override
        public void release(int domid) {
        }
    };
}
