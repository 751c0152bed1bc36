package io.jxen.abi.version;

import io.jxen.abi.XenConstant;

/**
 * Feature bits of {@code XENVER_get_features} submap 0 (features.h {@code XENFEAT_*}).
 */
public final class XenFeat {

    /** features.h {@code XENFEAT_writable_page_tables} (features.h). */
    @XenConstant("XENFEAT_writable_page_tables")
    public static final int WRITABLE_PAGE_TABLES = 0;

    /** features.h {@code XENFEAT_writable_descriptor_tables} (features.h). */
    @XenConstant("XENFEAT_writable_descriptor_tables")
    public static final int WRITABLE_DESCRIPTOR_TABLES = 1;

    /** features.h {@code XENFEAT_auto_translated_physmap} (features.h). */
    @XenConstant("XENFEAT_auto_translated_physmap")
    public static final int AUTO_TRANSLATED_PHYSMAP = 2;

    /** features.h {@code XENFEAT_supervisor_mode_kernel} (features.h). */
    @XenConstant("XENFEAT_supervisor_mode_kernel")
    public static final int SUPERVISOR_MODE_KERNEL = 3;

    /** features.h {@code XENFEAT_pae_pgdir_above_4gb} (features.h). */
    @XenConstant("XENFEAT_pae_pgdir_above_4gb")
    public static final int PAE_PGDIR_ABOVE_4GB = 4;

    /** features.h {@code XENFEAT_mmu_pt_update_preserve_ad} (features.h). */
    @XenConstant("XENFEAT_mmu_pt_update_preserve_ad")
    public static final int MMU_PT_UPDATE_PRESERVE_AD = 5;

    /** features.h {@code XENFEAT_highmem_assist} (features.h). */
    @XenConstant("XENFEAT_highmem_assist")
    public static final int HIGHMEM_ASSIST = 6;

    /** features.h {@code XENFEAT_gnttab_map_avail_bits} (features.h). */
    @XenConstant("XENFEAT_gnttab_map_avail_bits")
    public static final int GNTTAB_MAP_AVAIL_BITS = 7;

    /** features.h {@code XENFEAT_hvm_callback_vector} (features.h). */
    @XenConstant("XENFEAT_hvm_callback_vector")
    public static final int HVM_CALLBACK_VECTOR = 8;

    /** features.h {@code XENFEAT_hvm_safe_pvclock} (features.h). */
    @XenConstant("XENFEAT_hvm_safe_pvclock")
    public static final int HVM_SAFE_PVCLOCK = 9;

    /** features.h {@code XENFEAT_hvm_pirqs} (features.h). */
    @XenConstant("XENFEAT_hvm_pirqs")
    public static final int HVM_PIRQS = 10;

    /** features.h {@code XENFEAT_dom0} (features.h). */
    @XenConstant("XENFEAT_dom0")
    public static final int DOM0 = 11;

    /** features.h {@code XENFEAT_memory_op_vnode_supported} (features.h). */
    @XenConstant("XENFEAT_memory_op_vnode_supported")
    public static final int MEMORY_OP_VNODE_SUPPORTED = 13;

    /** features.h {@code XENFEAT_ARM_SMCCC_supported} (features.h). */
    @XenConstant("XENFEAT_ARM_SMCCC_supported")
    public static final int ARM_SMCCC_SUPPORTED = 14;

    /** features.h {@code XENFEAT_linux_rsdp_unrestricted} (features.h). */
    @XenConstant("XENFEAT_linux_rsdp_unrestricted")
    public static final int LINUX_RSDP_UNRESTRICTED = 15;

    /** features.h {@code XENFEAT_not_direct_mapped} (features.h). */
    @XenConstant("XENFEAT_not_direct_mapped")
    public static final int NOT_DIRECT_MAPPED = 16;

    /** features.h {@code XENFEAT_direct_mapped} (features.h). */
    @XenConstant("XENFEAT_direct_mapped")
    public static final int DIRECT_MAPPED = 17;

    /** Number of 32-bit submaps: {@code XENFEAT_NR_SUBMAPS} (features.h). */
    @XenConstant("XENFEAT_NR_SUBMAPS")
    public static final int NR_SUBMAPS = 1;

    private XenFeat() {
    }
}
