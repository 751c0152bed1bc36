package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * The command of an {@code mmu_update}: the low two bits of its {@code ptr} (xen.h
 * {@code MMU_*}); the rest of {@code ptr} is the machine address, 8-byte aligned.
 */
public final class MmuUpdateType {

    /** Checked {@code *ptr = val}, ptr a machine address: {@code MMU_NORMAL_PT_UPDATE} (xen.h). */
    @XenConstant("MMU_NORMAL_PT_UPDATE")
    public static final int NORMAL_PT_UPDATE = 0;

    /** Updates the M2P entry of the frame at ptr to val: {@code MMU_MACHPHYS_UPDATE} (xen.h). */
    @XenConstant("MMU_MACHPHYS_UPDATE")
    public static final int MACHPHYS_UPDATE = 1;

    /** Atomically {@code *ptr = val | (*ptr & (A|D))}: {@code MMU_PT_UPDATE_PRESERVE_AD} (xen.h). */
    @XenConstant("MMU_PT_UPDATE_PRESERVE_AD")
    public static final int PT_UPDATE_PRESERVE_AD = 2;

    /** Checked {@code *ptr = val} without translation: {@code MMU_PT_UPDATE_NO_TRANSLATE} (xen.h). */
    @XenConstant("MMU_PT_UPDATE_NO_TRANSLATE")
    public static final int PT_UPDATE_NO_TRANSLATE = 3;

    private MmuUpdateType() {
    }
}
