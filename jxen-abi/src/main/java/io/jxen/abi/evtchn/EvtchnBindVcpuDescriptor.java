package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_vcpu} of event_channel.h: argument of {@code EVTCHNOP_bind_vcpu}.
 */
public final class EvtchnBindVcpuDescriptor {

    /** Offset of {@code port}: IN: the port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_vcpu", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Offset of {@code vcpu}: IN: the vCPU to notify from now on (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_vcpu", member = "vcpu")
    public static final int VCPU_OFFSET = 4;

    /** Bytes in {@code struct evtchn_bind_vcpu} (event_channel.h). */
    @XenSizeof("struct evtchn_bind_vcpu")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct evtchn_bind_vcpu}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_bind_vcpu)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnBindVcpuDescriptor() {
    }
}
