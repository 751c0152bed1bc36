package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_set_priority} of event_channel.h: argument of {@code EVTCHNOP_set_priority}.
 */
public final class EvtchnSetPriorityDescriptor {

    /** Offset of {@code port}: IN: the port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_set_priority", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Offset of {@code priority}: IN: 0 (highest) to 15 (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_set_priority", member = "priority")
    public static final int PRIORITY_OFFSET = 4;

    /** Bytes in {@code struct evtchn_set_priority} (event_channel.h). */
    @XenSizeof("struct evtchn_set_priority")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct evtchn_set_priority}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_set_priority)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnSetPriorityDescriptor() {
    }
}
