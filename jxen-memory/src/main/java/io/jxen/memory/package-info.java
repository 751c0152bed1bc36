/**
 * Memory shared between domains: machine memory over a mapped file in 4 KiB frames, accessors
 * named by memory order (io/ring.h's xen_rmb/xen_wmb/xen_mb), the generic shared ring with
 * ring.h semantics, and the cross-process futex waiter.
 */
package io.jxen.memory;
