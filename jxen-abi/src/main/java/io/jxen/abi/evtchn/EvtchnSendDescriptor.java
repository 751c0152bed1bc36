package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_send} of event_channel.h: argument of {@code EVTCHNOP_send}.
 */
public final class EvtchnSendDescriptor {

    /** Offset of {@code port}: IN: the local port whose remote end to notify (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_send", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_send} (event_channel.h). */
    @XenSizeof("struct evtchn_send")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct evtchn_send}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_send)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnSendDescriptor() {
    }
}
