/**
 * Hypervisor time, entered through {@link io.jxen.hv.time.HostTime} (one per host) and
 * {@link io.jxen.hv.time.DomainTime} (one per domain). Underneath, package by package with
 * dependencies pointing down:
 * <ul>
 *   <li>{@code platform}, {@code hpet}: the emulated PIT, RTC, PM timer and HPET;</li>
 *   <li>{@code vpt}: guest time and the periodic-timer core with Xen's missed-tick policies;</li>
 *   <li>{@code timer}: the timer agent and the vCPU hypercall timers;</li>
 *   <li>{@code clock}: system time, TSC, pvclock and wallclock publication;</li>
 *   <li>{@code pvclock}: the guest-side reader (moves to the guest layer later).</li>
 * </ul>
 * Facts: vcpu.h, xen.h, hvm/params.h and ../shared/reference/hypervisor.md.
 */
package io.jxen.hv.time;
