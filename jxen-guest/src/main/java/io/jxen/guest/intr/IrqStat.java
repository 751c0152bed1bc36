package io.jxen.guest.intr;

/**
 * One line of {@code vmstat -i}: an IRQ, its name and how often it fired.
 *
 * @param irq   the IRQ number
 * @param name  the name given at bind time, e.g. {@code xen_et:c0}
 * @param type  what the port is bound to
 * @param port  the event-channel port
 * @param vcpu  the vCPU it is delivered to
 * @param count interrupts handled so far
 */
public record IrqStat(int irq, String name, IntrType type, int port, int vcpu, long count) {
}
