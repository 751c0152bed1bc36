package io.jxen.abi.evtchn;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_send} of event_channel.h: argument of {@code EVTCHNOP_send}.
 */
public final class EvtchnSendDescriptor {

    /** Offset of {@code port}: IN: the local port whose remote end to notify. */
    @XenOffsetof(type = "struct evtchn_send", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_send}. */
    @XenSizeof("struct evtchn_send")
    public static final int SIZE = 4;

    private EvtchnSendDescriptor() {
    }
}
