/**
 * Reading Xen's PV clock as guests do: {@code scale_delta} and the vcpu_time_info seqlock
 * read (vcpu.h, xen.h). It lives here, beside the hypercall interface, because it is part of
 * what a guest is given by the platform, and the hypervisor's time code tests its
 * publication with the same reader a guest uses, without depending on the guest layer.
 */
package io.jxen.hypercall.pvclock;
