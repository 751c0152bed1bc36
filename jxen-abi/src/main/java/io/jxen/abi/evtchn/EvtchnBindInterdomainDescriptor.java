package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_bind_interdomain} of event_channel.h: argument of {@code EVTCHNOP_bind_interdomain}.
 */
public final class EvtchnBindInterdomainDescriptor {

    /** Offset of {@code remote_dom}: IN: the remote domain (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_interdomain", member = "remote_dom")
    public static final int REMOTE_DOM_OFFSET = 0;

    /** Offset of {@code remote_port}: IN: its unbound port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_interdomain", member = "remote_port")
    public static final int REMOTE_PORT_OFFSET = 4;

    /** Offset of {@code local_port}: OUT: the local port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_bind_interdomain", member = "local_port")
    public static final int LOCAL_PORT_OFFSET = 8;

    /** Bytes in {@code struct evtchn_bind_interdomain} (event_channel.h). */
    @XenSizeof("struct evtchn_bind_interdomain")
    public static final int SIZE = 12;

    /**
     * The C alignment of {@code struct evtchn_bind_interdomain}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_bind_interdomain)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnBindInterdomainDescriptor() {
    }
}
