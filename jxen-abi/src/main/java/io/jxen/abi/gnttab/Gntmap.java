package io.jxen.abi.gnttab;

import io.jxen.abi.XenConstant;

/**
 * Flags of {@code gnttab_map_grant_ref.flags} (grant_table.h {@code GNTMAP_*}), and the flag
 * words of {@code gnttab_copy} ({@code GNTCOPY_*}) and {@code gnttab_cache_flush}.
 */
public final class Gntmap {

    /** Map for device (IOMMU) access: {@code GNTMAP_device_map} (grant_table.h). */
    @XenConstant("GNTMAP_device_map")
    public static final int DEVICE_MAP = 0x1;

    /** Map for host CPU access: {@code GNTMAP_host_map} (grant_table.h). */
    @XenConstant("GNTMAP_host_map")
    public static final int HOST_MAP = 0x2;

    /** Map read-only: {@code GNTMAP_readonly} (grant_table.h). */
    @XenConstant("GNTMAP_readonly")
    public static final int READONLY = 0x4;

    /** Map for user-space access: {@code GNTMAP_application_map} (grant_table.h). */
    @XenConstant("GNTMAP_application_map")
    public static final int APPLICATION_MAP = 0x8;

    /** {@code host_addr} is the address of a PTE: {@code GNTMAP_contains_pte} (grant_table.h). */
    @XenConstant("GNTMAP_contains_pte")
    public static final int CONTAINS_PTE = 0x10;

    /** Bits of the PTE the guest may use: {@code GNTMAP_guest_avail_mask} (grant_table.h). */
    @XenConstant("GNTMAP_guest_avail_mask")
    public static final int GUEST_AVAIL_MASK = 0xFFFF0000;

    /**
     * {@code gnttab_copy.flags}: the source is a grant reference: {@code GNTCOPY_source_gref}
     * (grant_table.h).
     */
    @XenConstant("GNTCOPY_source_gref")
    public static final int GNTCOPY_SOURCE_GREF = 0x1;

    /**
     * {@code gnttab_copy.flags}: the destination is a grant reference: {@code GNTCOPY_dest_gref}
     * (grant_table.h).
     */
    @XenConstant("GNTCOPY_dest_gref")
    public static final int GNTCOPY_DEST_GREF = 0x2;

    /** {@code gnttab_cache_flush.op}: clean: {@code GNTTAB_CACHE_CLEAN} (grant_table.h). */
    @XenConstant("GNTTAB_CACHE_CLEAN")
    public static final int GNTTAB_CACHE_CLEAN = 0x1;

    /** {@code gnttab_cache_flush.op}: invalidate: {@code GNTTAB_CACHE_INVAL} (grant_table.h). */
    @XenConstant("GNTTAB_CACHE_INVAL")
    public static final int GNTTAB_CACHE_INVAL = 0x2;

    /**
     * {@code gnttab_cache_flush.op}: {@code a} is a grant reference:
     * {@code GNTTAB_CACHE_SOURCE_GREF} (grant_table.h).
     */
    @XenConstant("GNTTAB_CACHE_SOURCE_GREF")
    public static final int GNTTAB_CACHE_SOURCE_GREF = 0x80000000;

    private Gntmap() {
    }
}
