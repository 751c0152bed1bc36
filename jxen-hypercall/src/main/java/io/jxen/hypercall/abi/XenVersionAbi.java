package io.jxen.hypercall.abi;

/**
 * version.h and features.h: {@code XENVER_*} and the {@code XENFEAT_*} bits jxen reports.
 * Move to jxen-abi.
 */
public final class XenVersionAbi {

    /** {@code XENVER_version}: returns {@code major << 16 | minor}. */
    public static final int VERSION = 0;
    /** {@code XENVER_extraversion}: {@code char[16]}. */
    public static final int EXTRAVERSION = 1;
    /** {@code XENVER_compile_info}: {@code struct xen_compile_info}, 144 bytes. */
    public static final int COMPILE_INFO = 2;
    /** {@code XENVER_capabilities}: {@code char[1024]}. */
    public static final int CAPABILITIES = 3;
    /** {@code XENVER_changeset}: {@code char[64]}. */
    public static final int CHANGESET = 4;
    /** {@code XENVER_platform_parameters}: {@code {xen_ulong_t virt_start}}. */
    public static final int PLATFORM_PARAMETERS = 5;
    /** {@code XENVER_get_features}: {@code {unsigned int submap_idx; uint32_t submap}}. */
    public static final int GET_FEATURES = 6;
    /** {@code XENVER_pagesize}. */
    public static final int PAGESIZE = 7;
    /** {@code XENVER_guest_handle}: {@code xen_domain_handle_t}, 16 bytes. */
    public static final int GUEST_HANDLE = 8;
    /** {@code XENVER_commandline}: {@code char[1024]}. */
    public static final int COMMANDLINE = 9;
    /** {@code XENVER_build_id}. */
    public static final int BUILD_ID = 10;

    /** Bytes of {@code xen_extraversion_t}. */
    public static final int EXTRAVERSION_SIZE = 16;
    /** Bytes of {@code struct xen_compile_info}. */
    public static final int COMPILE_INFO_SIZE = 144;
    /** Bytes of {@code xen_capabilities_info_t}. */
    public static final int CAPABILITIES_SIZE = 1024;
    /** Bytes of {@code xen_changeset_info_t}. */
    public static final int CHANGESET_SIZE = 64;
    /** Bytes of {@code xen_domain_handle_t}. */
    public static final int DOMAIN_HANDLE_SIZE = 16;
    /** Bytes of {@code xen_commandline_t}. */
    public static final int COMMANDLINE_SIZE = 1024;

    /** {@code XENFEAT_writable_page_tables}. */
    public static final int XENFEAT_WRITABLE_PAGE_TABLES = 0;
    /** {@code XENFEAT_auto_translated_physmap}. */
    public static final int XENFEAT_AUTO_TRANSLATED_PHYSMAP = 2;
    /** {@code XENFEAT_mmu_pt_update_preserve_ad}. */
    public static final int XENFEAT_MMU_PT_UPDATE_PRESERVE_AD = 5;
    /** {@code XENFEAT_dom0}. */
    public static final int XENFEAT_DOM0 = 11;
    /** {@code XENFEAT_not_direct_mapped} (Xen 4.18+ headers; bit 16). */
    public static final int XENFEAT_NOT_DIRECT_MAPPED = 16;
    /** {@code XENFEAT_NR_SUBMAPS}. */
    public static final int XENFEAT_NR_SUBMAPS = 1;

    private XenVersionAbi() {
    }
}
