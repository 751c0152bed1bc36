package io.jxen.abi.memory;

import io.jxen.abi.XenConstant;

/**
 * Spaces of {@code xen_add_to_physmap.space} (memory.h {@code XENMAPSPACE_*}).
 */
public final class XenMapSpace {

    /** The shared-info page: {@code XENMAPSPACE_shared_info} (memory.h). */
    @XenConstant("XENMAPSPACE_shared_info")
    public static final int SHARED_INFO = 0;

    /**
     * A grant-table frame ({@code idx}; with {@code XENMAPIDX_grant_table_status} a v2 status
     * frame): {@code XENMAPSPACE_grant_table} (memory.h).
     */
    @XenConstant("XENMAPSPACE_grant_table")
    public static final int GRANT_TABLE = 1;

    /** A frame of the guest: {@code XENMAPSPACE_gmfn} (memory.h). */
    @XenConstant("XENMAPSPACE_gmfn")
    public static final int GMFN = 2;

    /** A range of guest frames: {@code XENMAPSPACE_gmfn_range} (memory.h). */
    @XenConstant("XENMAPSPACE_gmfn_range")
    public static final int GMFN_RANGE = 3;

    /** A frame of another domain: {@code XENMAPSPACE_gmfn_foreign} (memory.h). */
    @XenConstant("XENMAPSPACE_gmfn_foreign")
    public static final int GMFN_FOREIGN = 4;

    /** Device MMIO (Arm only): {@code XENMAPSPACE_dev_mmio} (memory.h). */
    @XenConstant("XENMAPSPACE_dev_mmio")
    public static final int DEV_MMIO = 5;

    /**
     * Flag in {@code idx}: map a grant status frame: {@code XENMAPIDX_grant_table_status}
     * (memory.h).
     */
    @XenConstant("XENMAPIDX_grant_table_status")
    public static final int XENMAPIDX_GRANT_TABLE_STATUS = 0x80000000;

    private XenMapSpace() {
    }
}
