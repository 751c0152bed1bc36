package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_expand_array} of event_channel.h: argument of {@code EVTCHNOP_expand_array}.
 */
public final class EvtchnExpandArrayDescriptor {

    /** Offset of {@code array_gfn}: IN: frame of the next event-array page (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_expand_array", member = "array_gfn")
    public static final int ARRAY_GFN_OFFSET = 0;

    /** Bytes in {@code struct evtchn_expand_array} (event_channel.h). */
    @XenSizeof("struct evtchn_expand_array")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct evtchn_expand_array}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_expand_array)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private EvtchnExpandArrayDescriptor() {
    }
}
