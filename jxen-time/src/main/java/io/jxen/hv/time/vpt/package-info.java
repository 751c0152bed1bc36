/**
 * The virtual platform timer core of xen/arch/x86/hvm/vpt.c: per-vCPU guest time, freeze and
 * thaw across deschedules, tick delivery ({@code pt_update_irq}, {@code pt_intr_post}) and the
 * four missed-tick policies of {@code HVM_PARAM_TIMER_MODE} (hvm/params.h).
 */
package io.jxen.hv.time.vpt;
