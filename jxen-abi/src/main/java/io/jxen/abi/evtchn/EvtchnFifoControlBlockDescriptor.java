package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_fifo_control_block} of event_channel.h: a vCPU's FIFO queues, registered
 * with {@code EVTCHNOP_init_control}.
 *
 * <pre>
 *   0        4        8                                             72
 *   +--------+--------+---------+---------+-----+----------+
 *   | ready  | _rsvd  | head[0] | head[1] | ... | head[15] |
 *   +--------+--------+---------+---------+-----+----------+
 * </pre>
 *
 * <p>Bit {@code q} of {@code ready} says queue {@code q} is non-empty; {@code head[q]} is the
 * first port of that queue.
 */
public final class EvtchnFifoControlBlockDescriptor {

    /**
     * Offset of {@code ready}: bitmap of non-empty queues, set by Xen and cleared by the guest
     * (event_channel.h).
     */
    @XenOffsetof(type = "struct evtchn_fifo_control_block", member = "ready")
    public static final int READY_OFFSET = 0;

    /** Offset of {@code _rsvd}: reserved (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_fifo_control_block", member = "_rsvd")
    public static final int RSVD_OFFSET = 4;

    /**
     * Offset of {@code head}: {@code head[q]}: first port of queue {@code q},
     * {@code EVTCHN_FIFO_MAX_QUEUES} entries (event_channel.h).
     */
    @XenOffsetof(type = "struct evtchn_fifo_control_block", member = "head")
    public static final int HEAD_OFFSET = 8;

    /** Bytes in {@code struct evtchn_fifo_control_block} (event_channel.h). */
    @XenSizeof("struct evtchn_fifo_control_block")
    public static final int SIZE = 72;

    /**
     * The C alignment of {@code struct evtchn_fifo_control_block}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_fifo_control_block)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnFifoControlBlockDescriptor() {
    }
}
