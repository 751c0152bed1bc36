/**
 * The other emulated platform timers, all on guest time: the i8254 PIT
 * (xen/arch/x86/emul-i8254.c), the RTC's periodic interrupt (xen/arch/x86/hvm/rtc.c) and the
 * ACPI PM timer (xen/arch/x86/hvm/pmtimer.c).
 */
package io.jxen.hv.time.platform;
