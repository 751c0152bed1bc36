package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_reset} of event_channel.h: argument of {@code EVTCHNOP_reset}.
 */
public final class EvtchnResetDescriptor {

    /** Offset of {@code dom}: IN: the domain whose ports to close (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_reset", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Bytes in {@code struct evtchn_reset} (event_channel.h). */
    @XenSizeof("struct evtchn_reset")
    public static final int SIZE = 2;

    /**
     * The C alignment of {@code struct evtchn_reset}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_reset)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 2;

    private EvtchnResetDescriptor() {
    }
}
