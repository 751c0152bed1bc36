/**
 * vCPU timers: the timer queue agent (Xen's timer heap) and the single-shot, periodic and
 * legacy-tick timers behind {@code VCPUOP_set_singleshot_timer}, {@code VCPUOP_set_periodic_timer}
 * and {@code HYPERVISOR_set_timer_op} (vcpu.h; xen/common/domain.c, xen/common/sched/core.c).
 */
package io.jxen.hv.time.timer;
