package io.jxen.abi.evtchn;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_unmask} of event_channel.h: argument of {@code EVTCHNOP_unmask}.
 */
public final class EvtchnUnmaskDescriptor {

    /** Offset of {@code port}: IN: the port to unmask. */
    @XenOffsetof(type = "struct evtchn_unmask", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_unmask}. */
    @XenSizeof("struct evtchn_unmask")
    public static final int SIZE = 4;

    private EvtchnUnmaskDescriptor() {
    }
}
