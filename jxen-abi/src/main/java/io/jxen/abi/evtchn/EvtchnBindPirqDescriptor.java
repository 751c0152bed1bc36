package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_pirq} of event_channel.h: argument of {@code EVTCHNOP_bind_pirq}.
 */
public final class EvtchnBindPirqDescriptor {

    /** Offset of {@code pirq}: IN: the physical IRQ (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_pirq", member = "pirq")
    public static final int PIRQ_OFFSET = 0;

    /** Offset of {@code flags}: IN: {@code BIND_PIRQ__*} flags (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_pirq", member = "flags")
    public static final int FLAGS_OFFSET = 4;

    /** Offset of {@code port}: OUT: the bound port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_pirq", member = "port")
    public static final int PORT_OFFSET = 8;

    /** Bytes in {@code struct evtchn_bind_pirq} (event_channel.h). */
    @XenSizeof("struct evtchn_bind_pirq")
    public static final int SIZE = 12;

    /**
     * The C alignment of {@code struct evtchn_bind_pirq}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_bind_pirq)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnBindPirqDescriptor() {
    }
}
