package io.jxen.abi.version;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_xen_version} (version.h {@code XENVER_*}). {@code XENVER_version}
 * returns {@code major << 16 | minor}.
 */
public final class XenVer {

    /** version.h {@code XENVER_version} (version.h). */
    @XenConstant("XENVER_version")
    public static final int VERSION = 0;

    /** version.h {@code XENVER_extraversion} (version.h). */
    @XenConstant("XENVER_extraversion")
    public static final int EXTRAVERSION = 1;

    /** version.h {@code XENVER_compile_info} (version.h). */
    @XenConstant("XENVER_compile_info")
    public static final int COMPILE_INFO = 2;

    /** version.h {@code XENVER_capabilities} (version.h). */
    @XenConstant("XENVER_capabilities")
    public static final int CAPABILITIES = 3;

    /** version.h {@code XENVER_changeset} (version.h). */
    @XenConstant("XENVER_changeset")
    public static final int CHANGESET = 4;

    /** version.h {@code XENVER_platform_parameters} (version.h). */
    @XenConstant("XENVER_platform_parameters")
    public static final int PLATFORM_PARAMETERS = 5;

    /** version.h {@code XENVER_get_features} (version.h). */
    @XenConstant("XENVER_get_features")
    public static final int GET_FEATURES = 6;

    /** version.h {@code XENVER_pagesize} (version.h). */
    @XenConstant("XENVER_pagesize")
    public static final int PAGESIZE = 7;

    /** version.h {@code XENVER_guest_handle} (version.h). */
    @XenConstant("XENVER_guest_handle")
    public static final int GUEST_HANDLE = 8;

    /** version.h {@code XENVER_commandline} (version.h). */
    @XenConstant("XENVER_commandline")
    public static final int COMMANDLINE = 9;

    /** version.h {@code XENVER_build_id} (version.h). */
    @XenConstant("XENVER_build_id")
    public static final int BUILD_ID = 10;

    /** Bytes of the extraversion string: {@code XEN_EXTRAVERSION_LEN} (version.h). */
    @XenConstant("XEN_EXTRAVERSION_LEN")
    public static final int EXTRAVERSION_LEN = 16;

    /** Bytes of the capabilities string: {@code XEN_CAPABILITIES_INFO_LEN} (version.h). */
    @XenConstant("XEN_CAPABILITIES_INFO_LEN")
    public static final int CAPABILITIES_INFO_LEN = 1024;

    /** Bytes of the changeset string: {@code XEN_CHANGESET_INFO_LEN} (version.h). */
    @XenConstant("XEN_CHANGESET_INFO_LEN")
    public static final int CHANGESET_INFO_LEN = 64;

    /**
     * Bytes of {@code struct xen_compile_info}, the {@code XENVER_compile_info} argument:
     * {@code sizeof(xen_compile_info_t)} (version.h).
     */
    @XenConstant("sizeof(xen_compile_info_t)")
    public static final int COMPILE_INFO_SIZE = 144;

    /**
     * Bytes of the command-line string of {@code XENVER_commandline}: {@code sizeof(xen_commandline_t)}
     * (version.h; no {@code _LEN} macro there).
     */
    @XenConstant("sizeof(xen_commandline_t)")
    public static final int COMMANDLINE_LEN = 1024;

    private XenVer() {
    }
}
