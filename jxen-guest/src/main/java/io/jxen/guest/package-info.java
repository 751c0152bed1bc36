/**
 * The guest OS layer, as FreeBSD, Linux and NetBSD implement it for Xen: boot from
 * start_info and detection, {@code xen_intr} (port to IRQ mapping, handlers, counters), the PV
 * timecounter and event timer, the grant and xenstore clients, XenBus, control, console,
 * balloon and the evtchn user device. It reaches the hypervisor only through
 * {@code io.jxen.hypercall} and shared memory.
 */
package io.jxen.guest;
