package io.jxen.abi.evtchn;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_vcpu} of event_channel.h: argument of {@code EVTCHNOP_bind_vcpu}.
 */
public final class EvtchnBindVcpuDescriptor {

    /** Offset of {@code port}: IN: the port. */
    @XenOffsetof(type = "struct evtchn_bind_vcpu", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Offset of {@code vcpu}: IN: the vCPU to notify from now on. */
    @XenOffsetof(type = "struct evtchn_bind_vcpu", member = "vcpu")
    public static final int VCPU_OFFSET = 4;

    /** Bytes in {@code struct evtchn_bind_vcpu}. */
    @XenSizeof("struct evtchn_bind_vcpu")
    public static final int SIZE = 8;

    private EvtchnBindVcpuDescriptor() {
    }
}
