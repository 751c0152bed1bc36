package io.jxen.hv.time.hpet;

/**
 * The HPET register map and bits (IA-PC HPET 1.0a; Xen's xen/arch/x86/include/asm/hpet.h and
 * xen/arch/x86/hvm/hpet.c). Offsets are within the 1 KiB MMIO window at {@link #BASE_ADDRESS}.
 */
public final class HpetRegisters {

    /** Guest-physical base of the window: {@code HPET_BASE_ADDRESS}. */
    public static final long BASE_ADDRESS = 0xFED0_0000L;
    /** Size of the window: {@code HPET_MMAP_SIZE}. */
    public static final int MMAP_SIZE = 1024;

    /** General capabilities and ID (64-bit). */
    public static final int ID = 0x000;
    /** The high dword of ID: the counter period in femtoseconds. */
    public static final int PERIOD = 0x004;
    /** General configuration. */
    public static final int CFG = 0x010;
    /** General interrupt status (write 1 to clear). */
    public static final int STATUS = 0x020;
    /** Main counter. */
    public static final int COUNTER = 0x0F0;

    /** Timer {@code n}'s configuration and capabilities. */
    public static int tnCfg(int n) {
        return 0x100 + n * 0x20;
    }

    /** Timer {@code n}'s comparator. */
    public static int tnCmp(int n) {
        return 0x108 + n * 0x20;
    }

    /** Timer {@code n}'s FSB interrupt route. */
    public static int tnRoute(int n) {
        return 0x110 + n * 0x20;
    }

    /** Comparators Xen emulates: {@code HPET_TIMER_NUM}. */
    public static final int TIMERS = 3;

    /** ID: vendor 0x8086, revision 1. */
    public static final long ID_VENDOR_REV = 0x8086_0001L;
    /** ID: LegacyReplacement route capable. */
    public static final long ID_LEGSUP = 0x8000;
    /** ID: 64-bit main counter. */
    public static final long ID_64BIT = 0x2000;
    /** ID: shift of the number of timers minus one. */
    public static final int ID_NUMBER_SHIFT = 8;

    /** CFG: counter and interrupts enabled. */
    public static final long CFG_ENABLE = 0x1;
    /** CFG: LegacyReplacement routing. */
    public static final long CFG_LEGACY = 0x2;

    /** Tn_CFG: level-triggered. */
    public static final long TN_LEVEL = 0x002;
    /** Tn_CFG: interrupt enabled. */
    public static final long TN_ENABLE = 0x004;
    /** Tn_CFG: periodic. */
    public static final long TN_PERIODIC = 0x008;
    /** Tn_CFG: periodic capable. */
    public static final long TN_PERIODIC_CAP = 0x010;
    /** Tn_CFG: 64-bit capable. */
    public static final long TN_64BIT_CAP = 0x020;
    /** Tn_CFG: the next comparator write sets the accumulator (self-clearing). */
    public static final long TN_SETVAL = 0x040;
    /** Tn_CFG: 32-bit mode. */
    public static final long TN_32BIT = 0x100;
    /** Tn_CFG: IO-APIC route, bits 13:9. */
    public static final long TN_ROUTE = 0x3E00;
    /** Tn_CFG: shift of the route field. */
    public static final int TN_ROUTE_SHIFT = 9;
    /** Tn_CFG: FSB delivery enable (not offered by Xen). */
    public static final long TN_FSB = 0x4000;
    /** Tn_CFG: FSB capable (not offered by Xen). */
    public static final long TN_FSB_CAP = 0x8000;
    /** Tn_CFG bits 63:32: the routes allowed; Xen allows IO-APIC pins 20-23. */
    public static final long TN_INT_ROUTE_CAP_VAL = 0x00F0_0000L << 32;

    /** Xen's HPET ticks once per 16 ns of system time: {@code STIME_PER_HPET_TICK}. */
    public static final int STIME_PER_HPET_TICK = 16;
    /** The counter period in fs: 10^15 × 16 / 10^9 = 16,000,000 (0x00F42400). */
    public static final long PERIOD_FS = 1_000_000_000_000_000L * STIME_PER_HPET_TICK / 1_000_000_000L;

    /** The reset value of ID: {@code 0x00F42400_8086A201}. */
    public static final long CAPABILITY = ID_VENDOR_REV | ((TIMERS - 1L) << ID_NUMBER_SHIFT) | ID_64BIT | ID_LEGSUP
            | (PERIOD_FS << 32);

    /** ISA IRQ of timer 0 under LegacyReplacement (the PIT's). */
    public static final int LEGACY_IRQ_TIMER0 = 0;
    /** ISA IRQ of timer 1 under LegacyReplacement (the RTC's, {@code RTC_IRQ}). */
    public static final int LEGACY_IRQ_TIMER1 = 8;

    private HpetRegisters() {
    }
}
