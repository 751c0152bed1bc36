package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;

/**
 * Sizes xen.h and arch-x86/xen.h fix for the shared structures.
 */
public final class XenLimits {

    /**
     * vCPUs whose {@code vcpu_info} lives in {@code shared_info}: {@code XEN_LEGACY_MAX_VCPUS}
     * (xen.h).
     */
    @XenConstant("XEN_LEGACY_MAX_VCPUS")
    public static final int XEN_LEGACY_MAX_VCPUS = 32;

    /** Bytes of {@code start_info.cmd_line}, NUL included: {@code MAX_GUEST_CMDLINE} (xen.h). */
    @XenConstant("MAX_GUEST_CMDLINE")
    public static final int MAX_GUEST_CMDLINE = 1024;

    /**
     * Bytes in a {@code xen_ulong_t}, the word of the event bitmaps: {@code sizeof(xen_ulong_t)}
     * (xen.h).
     */
    @XenConstant(value = "sizeof(xen_ulong_t)", abi = XenAbi.X86_64)
    public static final int XEN_ULONG_SIZE = 8;

    /** Bytes in a {@code xen_pfn_t}: {@code sizeof(xen_pfn_t)} (xen.h). */
    @XenConstant(value = "sizeof(xen_pfn_t)", abi = XenAbi.X86_64)
    public static final int XEN_PFN_SIZE = 8;

    /**
     * Bytes in a {@code xen_domain_handle_t}, the domain's UUID (returned by
     * {@code XENVER_guest_handle}): {@code sizeof(xen_domain_handle_t)} (xen.h).
     */
    @XenConstant("sizeof(xen_domain_handle_t)")
    public static final int DOMAIN_HANDLE_SIZE = 16;

    private XenLimits() {
    }
}
