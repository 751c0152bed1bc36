/**
 * Memory: the p2m each domain's guest view reads, the m2p, frame ownership and references,
 * {@code copy_from_guest}/{@code copy_to_guest}, and {@code XENMEM_*} (xen/common/memory.c).
 */
package io.jxen.hv.mm;
