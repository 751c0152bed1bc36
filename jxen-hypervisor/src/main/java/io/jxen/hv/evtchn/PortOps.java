package io.jxen.hv.evtchn;

import io.jxen.hv.domain.Vcpu;

/**
 * The per-ABI half of event channels, Xen's {@code struct evtchn_port_ops}
 * (xen/common/event_channel.h): the 2-level bitmaps ({@link TwoLevel}) or the FIFO event
 * words and queues ({@link Fifo}).
 */
interface PortOps {

    /** Ports the ABI can name ({@code max_evtchns}). */
    int maxPorts();

    /** A port was just bound ({@code evtchn_port_init}). */
    void init(int port);

    /** Raises {@code port} towards vCPU {@code v}. */
    void setPending(Vcpu v, int port);

    /** Clears the port's pending state (on close). */
    void clearPending(int port);

    /** Clears the mask and re-raises a pending port towards {@code notify}. */
    void unmask(Vcpu notify, int port);

    /** Whether the port is pending. */
    boolean isPending(int port);

    /** Whether the port is masked. */
    boolean isMasked(int port);

    /** Whether a free port may not be reused yet (FIFO: still LINKED). */
    boolean isBusy(int port);

    /** Sets the port's priority: 0 or a negative errno. */
    int setPriority(int port, long priority);
}
