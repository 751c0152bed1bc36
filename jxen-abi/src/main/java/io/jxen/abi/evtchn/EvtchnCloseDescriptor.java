package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_close} of event_channel.h: argument of {@code EVTCHNOP_close}.
 */
public final class EvtchnCloseDescriptor {

    /** Offset of {@code port}: IN: the port to close (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_close", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_close} (event_channel.h). */
    @XenSizeof("struct evtchn_close")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct evtchn_close}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_close)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnCloseDescriptor() {
    }
}
