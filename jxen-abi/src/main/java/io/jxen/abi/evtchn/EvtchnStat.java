package io.jxen.abi.evtchn;

import io.jxen.abi.XenConstant;

/**
 * Values of {@code evtchn_status.status} (event_channel.h {@code EVTCHNSTAT_*}).
 */
public final class EvtchnStat {

    /** The port is not in use: {@code EVTCHNSTAT_closed} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_closed")
    public static final int CLOSED = 0;

    /** The port waits for an inter-domain connection: {@code EVTCHNSTAT_unbound} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_unbound")
    public static final int UNBOUND = 1;

    /** The port is connected to a remote domain: {@code EVTCHNSTAT_interdomain} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_interdomain")
    public static final int INTERDOMAIN = 2;

    /** The port is bound to a physical IRQ: {@code EVTCHNSTAT_pirq} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_pirq")
    public static final int PIRQ = 3;

    /** The port is bound to a virtual IRQ: {@code EVTCHNSTAT_virq} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_virq")
    public static final int VIRQ = 4;

    /** The port is bound to a virtual IPI: {@code EVTCHNSTAT_ipi} (event_channel.h). */
    @XenConstant("EVTCHNSTAT_ipi")
    public static final int IPI = 5;

    private EvtchnStat() {
    }
}
