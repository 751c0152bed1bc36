/**
 * Memory shared between domains: machine memory over a mapped file in 4 KiB frames, the generic
 * shared ring with ring.h semantics, and the cross-process futex waiter. Every shared load and
 * store goes through {@link io.jxen.abi.OrderedAccess}, whose names give the memory order
 * (io/ring.h's xen_rmb/xen_wmb/xen_mb).
 */
package io.jxen.memory;
