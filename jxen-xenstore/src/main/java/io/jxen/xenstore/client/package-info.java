/**
 * A Java xenstore client over the Unix socket (the xs_* API of libxenstore): concurrent
 * requests matched by req_id, watch callbacks on their own thread, and transactions with
 * a retry-on-EAGAIN helper.
 */
package io.jxen.xenstore.client;
