package io.jxen.abi.evtchn;

import io.jxen.abi.XenConstant;

/**
 * The FIFO event-channel ABI of event_channel.h ({@code EVTCHN_FIFO_*}): each port has a
 * 32-bit event word in the event array, with four flag bits above a 17-bit link to the next port
 * of its queue.
 *
 * <pre>
 *   31        30       29       28      27 .. 17    16 .. 0
 *   +---------+--------+--------+-------+----------+----------------+
 *   | PENDING | MASKED | LINKED | BUSY  | reserved | LINK (17 bits) |
 *   +---------+--------+--------+-------+----------+----------------+
 * </pre>
 */
public final class EvtchnFifo {

    /** The highest priority (served first): {@code EVTCHN_FIFO_PRIORITY_MAX} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_PRIORITY_MAX")
    public static final int PRIORITY_MAX = 0;

    /** The priority of a newly bound port: {@code EVTCHN_FIFO_PRIORITY_DEFAULT} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_PRIORITY_DEFAULT")
    public static final int PRIORITY_DEFAULT = 7;

    /** The lowest priority: {@code EVTCHN_FIFO_PRIORITY_MIN} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_PRIORITY_MIN")
    public static final int PRIORITY_MIN = 15;

    /** Queues per vCPU, one per priority: {@code EVTCHN_FIFO_MAX_QUEUES} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_MAX_QUEUES")
    public static final int MAX_QUEUES = 16;

    /** Bit number of PENDING in an event word: {@code EVTCHN_FIFO_PENDING} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_PENDING")
    public static final int PENDING = 31;

    /** Bit number of MASKED: {@code EVTCHN_FIFO_MASKED} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_MASKED")
    public static final int MASKED = 30;

    /** Bit number of LINKED (the word is on a queue): {@code EVTCHN_FIFO_LINKED} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_LINKED")
    public static final int LINKED = 29;

    /**
     * Bit number of BUSY (Xen is using the word while unmasking): {@code EVTCHN_FIFO_BUSY}
     * (event_channel.h).
     */
    @XenConstant("EVTCHN_FIFO_BUSY")
    public static final int BUSY = 28;

    /** Width of the LINK field: {@code EVTCHN_FIFO_LINK_BITS} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_LINK_BITS")
    public static final int LINK_BITS = 17;

    /** Mask of the LINK field: {@code EVTCHN_FIFO_LINK_MASK} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_LINK_MASK")
    public static final int LINK_MASK = 0x1FFFF;

    /** Ports of the FIFO ABI: {@code EVTCHN_FIFO_NR_CHANNELS} (event_channel.h). */
    @XenConstant("EVTCHN_FIFO_NR_CHANNELS")
    public static final int NR_CHANNELS = 131072;

    /** Bytes in an {@code event_word_t}: {@code sizeof(event_word_t)} (event_channel.h). */
    @XenConstant("sizeof(event_word_t)")
    public static final int EVENT_WORD_SIZE = 4;

    private EvtchnFifo() {
    }
}
