package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_alloc_unbound} of event_channel.h: argument of {@code EVTCHNOP_alloc_unbound}.
 */
public final class EvtchnAllocUnboundDescriptor {

    /**
     * Offset of {@code dom}: IN: the domain to allocate in ({@code DOMID_SELF} or a privileged
     * caller's target) (event_channel.h).
     */
    @XenOffsetof(type = "struct evtchn_alloc_unbound", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code remote_dom}: IN: the domain allowed to bind (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_alloc_unbound", member = "remote_dom")
    public static final int REMOTE_DOM_OFFSET = 2;

    /** Offset of {@code port}: OUT: the allocated port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_alloc_unbound", member = "port")
    public static final int PORT_OFFSET = 4;

    /** Bytes in {@code struct evtchn_alloc_unbound} (event_channel.h). */
    @XenSizeof("struct evtchn_alloc_unbound")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct evtchn_alloc_unbound}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_alloc_unbound)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnAllocUnboundDescriptor() {
    }
}
