/**
 * The xs_* client over the domain's xenstore ring (io/xs_wire.h), reusing jxen-xenstore's wire
 * codec: requests matched by req_id, watches on their own executor, transactions retried on
 * EAGAIN, hostile ring indexes refused.
 */
package io.jxen.guest.xenstore;
