/**
 * The hypercall table with Xen's numbers, multicall (xen/common/multicall.c), and the
 * in-process {@code Hypercalls} transport bound to one vCPU.
 */
package io.jxen.hv.hypercall;
