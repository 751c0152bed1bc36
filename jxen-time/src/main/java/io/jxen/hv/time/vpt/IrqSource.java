package io.jxen.hv.time.vpt;

/** Where a platform timer's interrupt enters the virtual interrupt controllers (Xen's {@code PTSRC_*}). */
public enum IrqSource {
    /** An ISA IRQ (PIT on 0, RTC on 8, SCI on 9, HPET legacy replacement on 0 and 8): {@code PTSRC_isa}. */
    ISA,
    /** A GSI of the virtual IO-APIC (HPET timers routed by {@code Tn_INT_ROUTE_CNF}): {@code PTSRC_ioapic}. */
    IOAPIC
}
