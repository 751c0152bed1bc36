package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Commands of {@code struct mmuext_op} (xen.h {@code MMUEXT_*}), issued with
 * {@code __HYPERVISOR_mmuext_op}.
 */
public final class MmuExtCmd {

    /** Pins a frame as an L1 page table: {@code MMUEXT_PIN_L1_TABLE} (xen.h). */
    @XenConstant("MMUEXT_PIN_L1_TABLE")
    public static final int PIN_L1_TABLE = 0;

    /** Pins a frame as an L2 page table: {@code MMUEXT_PIN_L2_TABLE} (xen.h). */
    @XenConstant("MMUEXT_PIN_L2_TABLE")
    public static final int PIN_L2_TABLE = 1;

    /** Pins a frame as an L3 page table: {@code MMUEXT_PIN_L3_TABLE} (xen.h). */
    @XenConstant("MMUEXT_PIN_L3_TABLE")
    public static final int PIN_L3_TABLE = 2;

    /** Pins a frame as an L4 page table: {@code MMUEXT_PIN_L4_TABLE} (xen.h). */
    @XenConstant("MMUEXT_PIN_L4_TABLE")
    public static final int PIN_L4_TABLE = 3;

    /** Unpins a page table: {@code MMUEXT_UNPIN_TABLE} (xen.h). */
    @XenConstant("MMUEXT_UNPIN_TABLE")
    public static final int UNPIN_TABLE = 4;

    /** Switches the kernel page-table base: {@code MMUEXT_NEW_BASEPTR} (xen.h). */
    @XenConstant("MMUEXT_NEW_BASEPTR")
    public static final int NEW_BASEPTR = 5;

    /** Flushes the local TLB: {@code MMUEXT_TLB_FLUSH_LOCAL} (xen.h). */
    @XenConstant("MMUEXT_TLB_FLUSH_LOCAL")
    public static final int TLB_FLUSH_LOCAL = 6;

    /** Invalidates one local TLB entry: {@code MMUEXT_INVLPG_LOCAL} (xen.h). */
    @XenConstant("MMUEXT_INVLPG_LOCAL")
    public static final int INVLPG_LOCAL = 7;

    /** Flushes the TLBs of a vCPU set: {@code MMUEXT_TLB_FLUSH_MULTI} (xen.h). */
    @XenConstant("MMUEXT_TLB_FLUSH_MULTI")
    public static final int TLB_FLUSH_MULTI = 8;

    /** Invalidates one entry in the TLBs of a vCPU set: {@code MMUEXT_INVLPG_MULTI} (xen.h). */
    @XenConstant("MMUEXT_INVLPG_MULTI")
    public static final int INVLPG_MULTI = 9;

    /** Flushes all TLBs: {@code MMUEXT_TLB_FLUSH_ALL} (xen.h). */
    @XenConstant("MMUEXT_TLB_FLUSH_ALL")
    public static final int TLB_FLUSH_ALL = 10;

    /** Invalidates one entry in all TLBs: {@code MMUEXT_INVLPG_ALL} (xen.h). */
    @XenConstant("MMUEXT_INVLPG_ALL")
    public static final int INVLPG_ALL = 11;

    /** Writes back and invalidates the local cache: {@code MMUEXT_FLUSH_CACHE} (xen.h). */
    @XenConstant("MMUEXT_FLUSH_CACHE")
    public static final int FLUSH_CACHE = 12;

    /** Installs an LDT: {@code MMUEXT_SET_LDT} (xen.h). */
    @XenConstant("MMUEXT_SET_LDT")
    public static final int SET_LDT = 13;

    /** Switches the user page-table base (x86_64): {@code MMUEXT_NEW_USER_BASEPTR} (xen.h). */
    @XenConstant("MMUEXT_NEW_USER_BASEPTR")
    public static final int NEW_USER_BASEPTR = 15;

    /** Zeroes a frame: {@code MMUEXT_CLEAR_PAGE} (xen.h). */
    @XenConstant("MMUEXT_CLEAR_PAGE")
    public static final int CLEAR_PAGE = 16;

    /** Copies one frame to another: {@code MMUEXT_COPY_PAGE} (xen.h). */
    @XenConstant("MMUEXT_COPY_PAGE")
    public static final int COPY_PAGE = 17;

    /** Writes back and invalidates all caches: {@code MMUEXT_FLUSH_CACHE_GLOBAL} (xen.h). */
    @XenConstant("MMUEXT_FLUSH_CACHE_GLOBAL")
    public static final int FLUSH_CACHE_GLOBAL = 18;

    /** Marks a superpage (obsolete): {@code MMUEXT_MARK_SUPER} (xen.h). */
    @XenConstant("MMUEXT_MARK_SUPER")
    public static final int MARK_SUPER = 19;

    /** Unmarks a superpage (obsolete): {@code MMUEXT_UNMARK_SUPER} (xen.h). */
    @XenConstant("MMUEXT_UNMARK_SUPER")
    public static final int UNMARK_SUPER = 20;

    private MmuExtCmd() {
    }
}
