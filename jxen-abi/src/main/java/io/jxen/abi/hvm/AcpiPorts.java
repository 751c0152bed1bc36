package io.jxen.abi.hvm;

import io.jxen.abi.XenConstant;

/**
 * Where Xen's HVM guests find the ACPI PM1a event block and the PM timer (hvm/ioreq.h); which
 * set is in use is {@code HVM_PARAM_ACPI_IOPORTS_LOCATION} (0 = version 0, 1 = version 1).
 */
public final class AcpiPorts {

    /** PM1a event block, version 0 ports: {@code ACPI_PM1A_EVT_BLK_ADDRESS_V0} (hvm/ioreq.h). */
    @XenConstant("ACPI_PM1A_EVT_BLK_ADDRESS_V0")
    public static final int PM1A_EVT_BLK_ADDRESS_V0 = 0x1F40;

    /** PM timer, version 0 ports: {@code ACPI_PM_TMR_BLK_ADDRESS_V0} (hvm/ioreq.h). */
    @XenConstant("ACPI_PM_TMR_BLK_ADDRESS_V0")
    public static final int PM_TMR_BLK_ADDRESS_V0 = 0x1F48;

    /** PM1a event block, version 1 ports: {@code ACPI_PM1A_EVT_BLK_ADDRESS_V1} (hvm/ioreq.h). */
    @XenConstant("ACPI_PM1A_EVT_BLK_ADDRESS_V1")
    public static final int PM1A_EVT_BLK_ADDRESS_V1 = 0xB000;

    /** PM timer, version 1 ports: {@code ACPI_PM_TMR_BLK_ADDRESS_V1} (hvm/ioreq.h). */
    @XenConstant("ACPI_PM_TMR_BLK_ADDRESS_V1")
    public static final int PM_TMR_BLK_ADDRESS_V1 = 0xB008;

    private AcpiPorts() {
    }
}
