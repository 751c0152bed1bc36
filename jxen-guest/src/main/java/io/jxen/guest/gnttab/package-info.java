/**
 * The grant-table client of a guest (v1 entries): the reference free list, granting and
 * revoking foreign access with deferred free, private batches, and map/unmap for backends.
 */
package io.jxen.guest.gnttab;
