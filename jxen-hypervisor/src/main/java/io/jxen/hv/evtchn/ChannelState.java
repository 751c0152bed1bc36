package io.jxen.hv.evtchn;

/**
 * The states of a port ({@code ECS_*} of xen/include/xen/sched.h). Port 0 is
 * {@link #RESERVED} from domain creation on (event_channel.c {@code evtchn_init}).
 */
public enum ChannelState {
    /** {@code ECS_FREE}: not in use. */
    FREE,
    /** {@code ECS_RESERVED}: never allocated (port 0). */
    RESERVED,
    /** {@code ECS_UNBOUND}: waiting for {@code remote_domid} to bind. */
    UNBOUND,
    /** {@code ECS_INTERDOMAIN}: connected to a port of another (or the same) domain. */
    INTERDOMAIN,
    /** {@code ECS_PIRQ}: bound to a physical IRQ (never, in jxen). */
    PIRQ,
    /** {@code ECS_VIRQ}: bound to a virtual IRQ. */
    VIRQ,
    /** {@code ECS_IPI}: bound for inter-vCPU notification. */
    IPI
}
