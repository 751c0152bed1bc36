/**
 * xenstored and its client: the store (tree, permissions, generations), transactions,
 * watches, quotas, the xs_wire codec, the Unix-socket and ring connections, and the journal.
 * Facts: Xen's docs/misc/xenstore.txt and io/xs_wire.h (4.17).
 */
package io.jxen.xenstore;
