package io.jxen.guest.intr;

/** What an IRQ's event channel is bound to (FreeBSD's {@code enum evtchn_type}). */
public enum IntrType {
    /** A local port the caller allocated (or got from alloc_unbound). */
    PORT,
    /** A port bound to another domain's port. */
    INTERDOMAIN,
    /** A virtual IRQ from Xen. */
    VIRQ,
    /** An inter-processor interrupt between this guest's vCPUs. */
    IPI
}
