package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_virq} of event_channel.h: argument of {@code EVTCHNOP_bind_virq}.
 */
public final class EvtchnBindVirqDescriptor {

    /** Offset of {@code virq}: IN: the VIRQ number (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_virq", member = "virq")
    public static final int VIRQ_OFFSET = 0;

    /** Offset of {@code vcpu}: IN: the vCPU to notify (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_virq", member = "vcpu")
    public static final int VCPU_OFFSET = 4;

    /** Offset of {@code port}: OUT: the bound port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_virq", member = "port")
    public static final int PORT_OFFSET = 8;

    /** Bytes in {@code struct evtchn_bind_virq} (event_channel.h). */
    @XenSizeof("struct evtchn_bind_virq")
    public static final int SIZE = 12;

    /**
     * The C alignment of {@code struct evtchn_bind_virq}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_bind_virq)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnBindVirqDescriptor() {
    }
}
