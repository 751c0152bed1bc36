/**
 * arch-x86/cpuid.h: the hypervisor CPUID leaves Xen answers at {@code 0x40000000} (signature,
 * version, hypercall page and MSR base, the time leaf, HVM features).
 */
package io.jxen.abi.cpuid;
