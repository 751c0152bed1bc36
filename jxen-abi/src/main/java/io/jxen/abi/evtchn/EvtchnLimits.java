package io.jxen.abi.evtchn;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;

/**
 * Port-space sizes and flags of event_channel.h.
 */
public final class EvtchnLimits {

    /**
     * Ports of the 2-level ABI on x86_64 ({@code xen_ulong_t} is 64 bits):
     * {@code EVTCHN_2L_NR_CHANNELS} (event_channel.h).
     */
    @XenConstant(value = "EVTCHN_2L_NR_CHANNELS", abi = XenAbi.X86_64)
    public static final int EVTCHN_2L_NR_CHANNELS = 4096;

    /** Bytes in an {@code evtchn_port_t}: {@code sizeof(evtchn_port_t)} (event_channel.h). */
    @XenConstant("sizeof(evtchn_port_t)")
    public static final int EVTCHN_PORT_SIZE = 4;

    /**
     * {@code evtchn_bind_pirq.flags}: the IRQ may be shared: {@code BIND_PIRQ__WILL_SHARE}
     * (event_channel.h).
     */
    @XenConstant("BIND_PIRQ__WILL_SHARE")
    public static final int BIND_PIRQ_WILL_SHARE = 1;

    private EvtchnLimits() {
    }
}
