/**
 * The guest's time, as FreeBSD's sys/dev/xen/timer and Linux's arch/x86/xen/time.c do it: the
 * pvclock arithmetic ({@code scale_delta}) and seqlock reader with the cross-vCPU monotonic
 * clamp ({@link io.jxen.hypercall.pvclock.PvClockReader}), a timecounter over it, a per-vCPU event
 * timer on {@code VIRQ_TIMER} with singleshot timers, and an RTC from the shared_info wallclock.
 */
package io.jxen.guest.time;
