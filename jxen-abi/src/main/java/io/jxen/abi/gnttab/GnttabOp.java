package io.jxen.abi.gnttab;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_grant_table_op} (grant_table.h {@code GNTTABOP_*}).
 */
public final class GnttabOp {

    /** Maps a foreign grant: {@code GNTTABOP_map_grant_ref} (grant_table.h). */
    @XenConstant("GNTTABOP_map_grant_ref")
    public static final int MAP_GRANT_REF = 0;

    /** Unmaps a mapped grant: {@code GNTTABOP_unmap_grant_ref} (grant_table.h). */
    @XenConstant("GNTTABOP_unmap_grant_ref")
    public static final int UNMAP_GRANT_REF = 1;

    /**
     * Sizes the caller's grant table and returns its frames: {@code GNTTABOP_setup_table}
     * (grant_table.h).
     */
    @XenConstant("GNTTABOP_setup_table")
    public static final int SETUP_TABLE = 2;

    /** Dumps a grant table to the console: {@code GNTTABOP_dump_table} (grant_table.h). */
    @XenConstant("GNTTABOP_dump_table")
    public static final int DUMP_TABLE = 3;

    /** Transfers page ownership to another domain: {@code GNTTABOP_transfer} (grant_table.h). */
    @XenConstant("GNTTABOP_transfer")
    public static final int TRANSFER = 4;

    /** Copies between grants and/or local frames: {@code GNTTABOP_copy} (grant_table.h). */
    @XenConstant("GNTTABOP_copy")
    public static final int COPY = 5;

    /** Reports current and maximum grant-table frames: {@code GNTTABOP_query_size} (grant_table.h). */
    @XenConstant("GNTTABOP_query_size")
    public static final int QUERY_SIZE = 6;

    /**
     * Unmaps a grant, replacing the mapping with another: {@code GNTTABOP_unmap_and_replace}
     * (grant_table.h).
     */
    @XenConstant("GNTTABOP_unmap_and_replace")
    public static final int UNMAP_AND_REPLACE = 7;

    /** Selects the grant-entry version (1 or 2): {@code GNTTABOP_set_version} (grant_table.h). */
    @XenConstant("GNTTABOP_set_version")
    public static final int SET_VERSION = 8;

    /** Returns the v2 status frames: {@code GNTTABOP_get_status_frames} (grant_table.h). */
    @XenConstant("GNTTABOP_get_status_frames")
    public static final int GET_STATUS_FRAMES = 9;

    /** Reports the grant-entry version: {@code GNTTABOP_get_version} (grant_table.h). */
    @XenConstant("GNTTABOP_get_version")
    public static final int GET_VERSION = 10;

    /** Swaps two grant entries: {@code GNTTABOP_swap_grant_ref} (grant_table.h). */
    @XenConstant("GNTTABOP_swap_grant_ref")
    public static final int SWAP_GRANT_REF = 11;

    /** Cleans or invalidates the cache over a grant: {@code GNTTABOP_cache_flush} (grant_table.h). */
    @XenConstant("GNTTABOP_cache_flush")
    public static final int CACHE_FLUSH = 12;

    private GnttabOp() {
    }
}
