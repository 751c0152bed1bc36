/**
 * FreeBSD's {@code xen_intr} over the 2-level event-channel ABI: binding ports to IRQ numbers,
 * filter and threaded handlers, per-vCPU delivery and spreading, named counters
 * ({@code vmstat -i}), and the upcall's fair scan; {@link io.jxen.guest.intr.EventChannelOps}
 * wraps the {@code EVTCHNOP_*} hypercalls.
 */
package io.jxen.guest.intr;
