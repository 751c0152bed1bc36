package io.jxen.abi.evtchn;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_close} of event_channel.h: argument of {@code EVTCHNOP_close}.
 */
public final class EvtchnCloseDescriptor {

    /** Offset of {@code port}: IN: the port to close. */
    @XenOffsetof(type = "struct evtchn_close", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_close}. */
    @XenSizeof("struct evtchn_close")
    public static final int SIZE = 4;

    private EvtchnCloseDescriptor() {
    }
}
