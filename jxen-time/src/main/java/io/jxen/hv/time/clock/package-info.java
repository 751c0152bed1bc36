/**
 * Host and domain clocks: system time from the injected clock, the TSC model and Xen's time
 * scale, per-vCPU {@code vcpu_time_info} publication under the version seqlock, the periodic
 * re-stamp, and the {@code shared_info} wallclock (xen.h; xen/arch/x86/time.c,
 * xen/common/time.c).
 */
package io.jxen.hv.time.clock;
