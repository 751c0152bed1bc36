package io.jxen.abi.evtchn;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_event_channel_op} (event_channel.h {@code EVTCHNOP_*}).
 */
public final class EvtchnOp {

    /**
     * Connects to a remote domain's unbound port: {@code EVTCHNOP_bind_interdomain}
     * (event_channel.h).
     */
    @XenConstant("EVTCHNOP_bind_interdomain")
    public static final int BIND_INTERDOMAIN = 0;

    /** Binds a port to a VIRQ on a vCPU: {@code EVTCHNOP_bind_virq} (event_channel.h). */
    @XenConstant("EVTCHNOP_bind_virq")
    public static final int BIND_VIRQ = 1;

    /** Binds a port to a physical IRQ: {@code EVTCHNOP_bind_pirq} (event_channel.h). */
    @XenConstant("EVTCHNOP_bind_pirq")
    public static final int BIND_PIRQ = 2;

    /** Closes a port: {@code EVTCHNOP_close} (event_channel.h). */
    @XenConstant("EVTCHNOP_close")
    public static final int CLOSE = 3;

    /** Notifies the port's remote end: {@code EVTCHNOP_send} (event_channel.h). */
    @XenConstant("EVTCHNOP_send")
    public static final int SEND = 4;

    /** Reports a port's state: {@code EVTCHNOP_status} (event_channel.h). */
    @XenConstant("EVTCHNOP_status")
    public static final int STATUS = 5;

    /**
     * Allocates a port for a given remote domain to bind: {@code EVTCHNOP_alloc_unbound}
     * (event_channel.h).
     */
    @XenConstant("EVTCHNOP_alloc_unbound")
    public static final int ALLOC_UNBOUND = 6;

    /** Binds a port for inter-vCPU notification: {@code EVTCHNOP_bind_ipi} (event_channel.h). */
    @XenConstant("EVTCHNOP_bind_ipi")
    public static final int BIND_IPI = 7;

    /** Moves a port's notifications to another vCPU: {@code EVTCHNOP_bind_vcpu} (event_channel.h). */
    @XenConstant("EVTCHNOP_bind_vcpu")
    public static final int BIND_VCPU = 8;

    /** Unmasks a port, re-raising it if pending: {@code EVTCHNOP_unmask} (event_channel.h). */
    @XenConstant("EVTCHNOP_unmask")
    public static final int UNMASK = 9;

    /** Closes all ports of a domain: {@code EVTCHNOP_reset} (event_channel.h). */
    @XenConstant("EVTCHNOP_reset")
    public static final int RESET = 10;

    /**
     * Switches to the FIFO ABI and registers a vCPU's control block: {@code EVTCHNOP_init_control}
     * (event_channel.h).
     */
    @XenConstant("EVTCHNOP_init_control")
    public static final int INIT_CONTROL = 11;

    /** Adds an event-array page (FIFO ABI): {@code EVTCHNOP_expand_array} (event_channel.h). */
    @XenConstant("EVTCHNOP_expand_array")
    public static final int EXPAND_ARRAY = 12;

    /** Sets a port's FIFO priority: {@code EVTCHNOP_set_priority} (event_channel.h). */
    @XenConstant("EVTCHNOP_set_priority")
    public static final int SET_PRIORITY = 13;

    private EvtchnOp() {
    }
}
