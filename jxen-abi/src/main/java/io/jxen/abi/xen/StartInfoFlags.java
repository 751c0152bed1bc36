package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Bits of {@code start_info.flags} (xen.h {@code SIF_*}).
 */
public final class StartInfoFlags {

    /** The domain is privileged: {@code SIF_PRIVILEGED} (xen.h). */
    @XenConstant("SIF_PRIVILEGED")
    public static final int PRIVILEGED = 0x1;

    /** The domain is the initial control domain: {@code SIF_INITDOMAIN} (xen.h). */
    @XenConstant("SIF_INITDOMAIN")
    public static final int INITDOMAIN = 0x2;

    /** {@code mod_start} is a multiboot module list: {@code SIF_MULTIBOOT_MOD} (xen.h). */
    @XenConstant("SIF_MULTIBOOT_MOD")
    public static final int MULTIBOOT_MOD = 0x4;

    /** {@code mod_start} is a PFN, not a virtual address: {@code SIF_MOD_START_PFN} (xen.h). */
    @XenConstant("SIF_MOD_START_PFN")
    public static final int MOD_START_PFN = 0x8;

    /** The tools understand a virtually mapped P2M: {@code SIF_VIRT_P2M_4TOOLS} (xen.h). */
    @XenConstant("SIF_VIRT_P2M_4TOOLS")
    public static final int VIRT_P2M_4TOOLS = 0x10;

    /** Byte reserved for power-management options: {@code SIF_PM_MASK} (xen.h). */
    @XenConstant("SIF_PM_MASK")
    public static final int PM_MASK = 0xFF00;

    private StartInfoFlags() {
    }
}
