package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_ipi} of event_channel.h: argument of {@code EVTCHNOP_bind_ipi}.
 */
public final class EvtchnBindIpiDescriptor {

    /** Offset of {@code vcpu}: IN: the vCPU to notify (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_ipi", member = "vcpu")
    public static final int VCPU_OFFSET = 0;

    /** Offset of {@code port}: OUT: the bound port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_ipi", member = "port")
    public static final int PORT_OFFSET = 4;

    /** Bytes in {@code struct evtchn_bind_ipi} (event_channel.h). */
    @XenSizeof("struct evtchn_bind_ipi")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct evtchn_bind_ipi}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_bind_ipi)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnBindIpiDescriptor() {
    }
}
