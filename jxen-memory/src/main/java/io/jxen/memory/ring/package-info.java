/**
 * The generic shared ring of Xen's {@code io/ring.h}: {@link io.jxen.memory.ring.SharedRing}
 * (geometry and {@code SHARED_RING_INIT}), {@link io.jxen.memory.ring.FrontRing} and
 * {@link io.jxen.memory.ring.BackRing}. Entries are opaque bytes; drivers (blkif, console,
 * xenstore) encode and decode them. Peer indices are validated and entries copied once.
 */
package io.jxen.memory.ring;
