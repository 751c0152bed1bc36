/**
 * The guest OS layer, as FreeBSD, Linux and NetBSD implement it for Xen. It reaches the
 * hypervisor only through {@code io.jxen.hypercall} and shared memory.
 *
 * <ul>
 *   <li>{@code io.jxen.guest}: boot from start_info and detection ({@link io.jxen.guest.GuestKernel},
 *       {@link io.jxen.guest.Cpuid}), vCPUs with their interrupt flag and argument page
 *       ({@link io.jxen.guest.GuestVcpu}, {@link io.jxen.guest.Scratch}), the run loop agent;</li>
 *   <li>{@code .intr}: {@code xen_intr}, the port to IRQ map, handlers and counters;</li>
 *   <li>{@code .evtchn}: the evtchn user device;</li>
 *   <li>{@code .time}: pvclock, timecounter, per-vCPU event timer, RTC;</li>
 *   <li>{@code .gnttab}: the grant client;</li>
 *   <li>{@code .xenstore}: the xs_* client over the domain's ring;</li>
 *   <li>{@code .control}, {@code .console}, {@code .balloon}: the drivers on top.</li>
 * </ul>
 */
package io.jxen.guest;
