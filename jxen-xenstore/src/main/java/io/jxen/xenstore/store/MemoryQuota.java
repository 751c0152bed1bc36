package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;

/**
 * The per-domain {@code memory} quota as C xenstored 4.17 checks it when a node is written
 * ({@code domain_memory_add} with the quota check): growing a domain's accounted bytes to the
 * hard quota or beyond fails. The daemon implements it, since a domain's bytes include its
 * watches and queued output, which the store does not see.
 */
@FunctionalInterface
public interface MemoryQuota {

    /**
     * Checks that {@code domid} may be charged {@code delta} more bytes.
     *
     * @param domid the charged domain
     * @param delta bytes on top of what it is charged now (may be negative)
     * @throws XenstoreException EIO, as C's {@code write_node_raw} answers when the charge fails
     */
    void check(int domid, long delta) throws XenstoreException;

    /** No memory quota. */
    MemoryQuota NONE = (domid, delta) -> { };
}
