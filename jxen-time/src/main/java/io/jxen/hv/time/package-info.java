/**
 * Hypervisor time: the TSC model, vcpu_time_info (pvclock) and wallclock publication, vCPU
 * one-shot and periodic timers, and the emulated platform timers (HPET, PIT, RTC, ACPI PM
 * timer) on per-vCPU guest time with Xen's missed-tick policies (vpt). Facts: vcpu.h, xen.h,
 * hvm/params.h and ../shared/reference/hypervisor.md.
 */
package io.jxen.hv.time;
