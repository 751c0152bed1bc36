package io.jxen.hv.time.vpt;

/**
 * The virtual interrupt controllers as the platform timers drive them (Xen's
 * {@code hvm_isa_irq_assert}/{@code _deassert}, {@code hvm_ioapic_assert}/{@code _deassert}).
 * An edge is a deassert followed by an assert.
 *
 * <p>Implementations are called with the domain's platform-time lock held and must not call
 * back into this module.
 */
public interface IrqLine {

    /** Raises the line. */
    void assertIrq(IrqSource source, int irq);

    /** Lowers the line. */
    void deassertIrq(IrqSource source, int irq);

    /**
     * Whether the line is masked at the PIC and the IO-APIC ({@code pt_irq_masked}); a masked
     * edge timer with ticks pending is suspended until {@link PlatformTime#mayUnmaskIrq()}.
     */
    default boolean masked(IrqSource source, int irq) {
        return false;
    }
}
