/**
 * The guest's side of pvclock: {@code vcpu_time_info} arithmetic ({@code scale_delta}) and a
 * seqlock reader with the cross-vCPU monotonic clamp, as Linux and FreeBSD compute them. Free
 * of hypervisor types; it belongs to the guest layer and moves there when that module exists.
 */
package io.jxen.hv.time.pvclock;
