/**
 * The virtual HPET of xen/arch/x86/hvm/hpet.c: register map, MMIO accesses, main counter on
 * guest time, one-shot/periodic/32-bit comparators, LegacyReplacement routing.
 */
package io.jxen.hv.time.hpet;
