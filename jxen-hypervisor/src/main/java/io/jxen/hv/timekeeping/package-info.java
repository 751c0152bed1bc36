/**
 * What the hypervisor needs from host time, as an interface: system time, a domain's pvclock
 * and wallclock publication, its vCPU timers and its schedule hooks.
 *
 * <p>Why an interface and not jxen-time's {@code HostTime}/{@code DomainTime} directly: jxen-time
 * has a test-scope dependency on jxen-guest, and jxen-guest a test-scope dependency on
 * jxen-hypervisor, so a jxen-hypervisor → jxen-time dependency is a reactor cycle Maven refuses
 * ({@code ProjectCycleException}). Once jxen-time's tests stop depending on jxen-guest, an
 * adapter of a few lines ({@code HostTime} → {@link io.jxen.hv.timekeeping.Timekeeping},
 * {@code DomainTime} → {@link io.jxen.hv.timekeeping.DomainTimekeeping},
 * {@code VcpuTimers} → {@link io.jxen.hv.timekeeping.VcpuTimerControl}) plugs jxen-time in; the
 * method names and contracts here are jxen-time's.
 *
 * <p>The hypervisor calls every method with its lock held; a timer event comes back through the
 * {@link java.util.function.IntConsumer} given to
 * {@link io.jxen.hv.timekeeping.Timekeeping#createDomain}, which takes that lock (it is
 * reentrant, so an event sent from inside a hypercall is fine). Implementations must not hold
 * their own locks while sending one.
 */
package io.jxen.hv.timekeeping;
