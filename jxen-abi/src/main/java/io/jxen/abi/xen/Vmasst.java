package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Commands and types of {@code __HYPERVISOR_vm_assist} (xen.h {@code VMASST_*}).
 */
public final class Vmasst {

    /** Enables an assist: {@code VMASST_CMD_enable} (xen.h). */
    @XenConstant("VMASST_CMD_enable")
    public static final int CMD_ENABLE = 0;

    /** Disables an assist: {@code VMASST_CMD_disable} (xen.h). */
    @XenConstant("VMASST_CMD_disable")
    public static final int CMD_DISABLE = 1;

    /** Emulate 4 GiB segments (x86_32): {@code VMASST_TYPE_4gb_segments} (xen.h). */
    @XenConstant("VMASST_TYPE_4gb_segments")
    public static final int TYPE_4GB_SEGMENTS = 0;

    /** Notify on 4 GiB segment emulation: {@code VMASST_TYPE_4gb_segments_notify} (xen.h). */
    @XenConstant("VMASST_TYPE_4gb_segments_notify")
    public static final int TYPE_4GB_SEGMENTS_NOTIFY = 1;

    /** Trap-and-emulate writes to page tables: {@code VMASST_TYPE_writable_pagetables} (xen.h). */
    @XenConstant("VMASST_TYPE_writable_pagetables")
    public static final int TYPE_WRITABLE_PAGETABLES = 2;

    /** PAE page directories above 4 GiB: {@code VMASST_TYPE_pae_extended_cr3} (xen.h). */
    @XenConstant("VMASST_TYPE_pae_extended_cr3")
    public static final int TYPE_PAE_EXTENDED_CR3 = 3;

    /** Architectural IOPL semantics for PV: {@code VMASST_TYPE_architectural_iopl} (xen.h). */
    @XenConstant("VMASST_TYPE_architectural_iopl")
    public static final int TYPE_ARCHITECTURAL_IOPL = 4;

    /**
     * Mark runstate updates with {@code XEN_RUNSTATE_UPDATE}:
     * {@code VMASST_TYPE_runstate_update_flag} (xen.h).
     */
    @XenConstant("VMASST_TYPE_runstate_update_flag")
    public static final int TYPE_RUNSTATE_UPDATE_FLAG = 5;

    /** Strict M2P for x86_64 PV: {@code VMASST_TYPE_m2p_strict} (xen.h). */
    @XenConstant("VMASST_TYPE_m2p_strict")
    public static final int TYPE_M2P_STRICT = 32;

    private Vmasst() {
    }
}
