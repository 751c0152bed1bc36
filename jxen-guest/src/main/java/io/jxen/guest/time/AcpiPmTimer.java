package io.jxen.guest.time;

import io.jxen.abi.hvm.AcpiPorts;
import io.jxen.hypercall.GuestCpu;

import java.util.Objects;

/**
 * The ACPI PM timer as a guest reads it (FreeBSD {@code acpi_timer.c}, Linux
 * {@code drivers/clocksource/acpi_pm.c}): a free-running counter at 3.579545 MHz read with a
 * 32-bit {@code in} from {@code PM_TMR_BLK}, which the FADT places at PM1a_EVT_BLK + 8. On Xen HVM
 * the block is at 0xb000 (hvm/ioreq.h {@code ACPI_PM1A_EVT_BLK_ADDRESS_V1}), so the timer is
 * at 0xb008; Xen's counter is 32 bits wide (FADT {@code TMR_VAL_EXT}).
 */
public final class AcpiPmTimer {

    /** The counter frequency (ACPI spec, section 4.8.3.3). */
    public static final long FREQUENCY_HZ = 3_579_545L;
    /** {@code PM_TMR_BLK} on a Xen HVM guest (version-1 ACPI ports, the default). */
    public static final int XEN_PM_TMR_PORT = AcpiPorts.PM_TMR_BLK_ADDRESS_V1;

    private final GuestCpu cpu;
    private final int port;

    /** A reader of the timer at {@code port}. */
    public AcpiPmTimer(GuestCpu cpu, int port) {
        this.cpu = Objects.requireNonNull(cpu, "cpu");
        this.port = port;
    }

    /** The counter (unsigned 32 bits). */
    public long counter() {
        return Integer.toUnsignedLong(cpu.in(port, 4));
    }
}
