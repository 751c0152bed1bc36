package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_init_control} of event_channel.h: argument of {@code EVTCHNOP_init_control} (FIFO ABI).
 */
public final class EvtchnInitControlDescriptor {

    /** Offset of {@code control_gfn}: IN: frame holding the control block (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_init_control", member = "control_gfn")
    public static final int CONTROL_GFN_OFFSET = 0;

    /** Offset of {@code offset}: IN: offset of the control block in that frame (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_init_control", member = "offset")
    public static final int OFFSET_OFFSET = 8;

    /** Offset of {@code vcpu}: IN: the vCPU the block belongs to (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_init_control", member = "vcpu")
    public static final int VCPU_OFFSET = 12;

    /** Offset of {@code link_bits}: OUT: {@code EVTCHN_FIFO_LINK_BITS} (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_init_control", member = "link_bits")
    public static final int LINK_BITS_OFFSET = 16;

    /** Offset of {@code _pad}: padding (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_init_control", member = "_pad")
    public static final int PAD_OFFSET = 17;

    /** Bytes in {@code struct evtchn_init_control} (event_channel.h). */
    @XenSizeof("struct evtchn_init_control")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct evtchn_init_control}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_init_control)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private EvtchnInitControlDescriptor() {
    }
}
