package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct evtchn_status} of event_channel.h: argument of {@code EVTCHNOP_status}. The union
 * {@code u} is read according to {@code status} ({@link EvtchnStat}).
 */
public final class EvtchnStatusDescriptor {

    /** Offset of {@code dom}: IN: the domain owning the port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "dom")
    public static final int DOM_OFFSET = 0;

    /** Offset of {@code port}: IN: the port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "port")
    public static final int PORT_OFFSET = 4;

    /** Offset of {@code status}: OUT: an {@code EVTCHNSTAT_*} value (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "status")
    public static final int STATUS_OFFSET = 8;

    /** Offset of {@code vcpu}: OUT: the vCPU the port notifies (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "vcpu")
    public static final int VCPU_OFFSET = 12;

    /** Offset of {@code u}: OUT: the union (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u")
    public static final int U_OFFSET = 16;

    /** Offset of {@code u.unbound.dom}: OUT, unbound: the domain allowed to bind (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u.unbound.dom")
    public static final int U_UNBOUND_DOM_OFFSET = 16;

    /** Offset of {@code u.interdomain.dom}: OUT, interdomain: the remote domain (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u.interdomain.dom")
    public static final int U_INTERDOMAIN_DOM_OFFSET = 16;

    /** Offset of {@code u.interdomain.port}: OUT, interdomain: the remote port (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u.interdomain.port")
    public static final int U_INTERDOMAIN_PORT_OFFSET = 20;

    /** Offset of {@code u.pirq}: OUT, pirq: the physical IRQ (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u.pirq")
    public static final int U_PIRQ_OFFSET = 16;

    /** Offset of {@code u.virq}: OUT, virq: the VIRQ (event_channel.h). */
    @XenOffsetof(type = "struct evtchn_status", member = "u.virq")
    public static final int U_VIRQ_OFFSET = 16;

    /** Bytes in {@code struct evtchn_status} (event_channel.h). */
    @XenSizeof("struct evtchn_status")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct evtchn_status}: where a view of it may start
     * (event_channel.h).
     */
    @XenConstant(value = "_Alignof(struct evtchn_status)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private EvtchnStatusDescriptor() {
    }
}
