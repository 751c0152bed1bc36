package io.jxen.hv.evtchn;

import io.jxen.abi.xen.Virq;

/**
 * Whether a VIRQ is bound per vCPU or once per domain (xen.h:163-189 of 4.17, "(V)" vs
 * "(G)"; x86 {@code arch_virq_is_global} makes every arch VIRQ global).
 */
final class VirqType {

    private VirqType() {
    }

    /** Xen's {@code get_virq_type(virq) == VIRQ_VCPU}. */
    static boolean perVcpu(int virq) {
        return virq == Virq.TIMER || virq == Virq.DEBUG || virq == Virq.XENOPROF || virq == Virq.XENPMU;
    }
}
