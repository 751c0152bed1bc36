package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_unmask} of event_channel.h: argument of {@code EVTCHNOP_unmask}.
 */
public final class EvtchnUnmaskDescriptor {

    /** Offset of {@code port}: IN: the port to unmask (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_unmask", member = "port")
    public static final int PORT_OFFSET = 0;

    /** Bytes in {@code struct evtchn_unmask} (event_channel.h). */
    @XenSizeof("struct evtchn_unmask")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct evtchn_unmask}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_unmask)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnUnmaskDescriptor() {
    }
}
