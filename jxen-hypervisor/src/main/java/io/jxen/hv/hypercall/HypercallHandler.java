package io.jxen.hv.hypercall;

import io.jxen.hv.domain.Vcpu;

/**
 * One entry of the hypercall table: the {@code do_*} function of a Xen hypercall. May throw
 * {@link io.jxen.hv.mm.GuestFault} for a bad guest pointer ({@code -EFAULT}); must not throw
 * for anything else a guest can pass.
 */
@FunctionalInterface
public interface HypercallHandler {

    /**
     * @param caller the vCPU that issued the call (the binding, never a guest argument)
     * @return the result, negative for a Xen errno
     */
    long call(Vcpu caller, long a1, long a2, long a3, long a4, long a5);
}
