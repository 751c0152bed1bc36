package io.jxen.abi.gnttab;

import io.jxen.abi.XenConstant;

/**
 * Reserved entries and scalar types of grant_table.h.
 */
public final class GrantTableLimits {

    /**
     * Entries reserved for the toolstack at the start of the table:
     * {@code GNTTAB_NR_RESERVED_ENTRIES} (grant_table.h).
     */
    @XenConstant("GNTTAB_NR_RESERVED_ENTRIES")
    public static final int NR_RESERVED_ENTRIES = 8;

    /**
     * Entry granting the console ring to the backend: {@code GNTTAB_RESERVED_CONSOLE}
     * (grant_table.h).
     */
    @XenConstant("GNTTAB_RESERVED_CONSOLE")
    public static final int RESERVED_CONSOLE = 0;

    /**
     * Entry granting the xenstore ring to xenstored: {@code GNTTAB_RESERVED_XENSTORE}
     * (grant_table.h).
     */
    @XenConstant("GNTTAB_RESERVED_XENSTORE")
    public static final int RESERVED_XENSTORE = 1;

    /** Bytes in a {@code grant_ref_t}: {@code sizeof(grant_ref_t)} (grant_table.h). */
    @XenConstant("sizeof(grant_ref_t)")
    public static final int GRANT_REF_SIZE = 4;

    /** Bytes in a {@code grant_handle_t}: {@code sizeof(grant_handle_t)} (grant_table.h). */
    @XenConstant("sizeof(grant_handle_t)")
    public static final int GRANT_HANDLE_SIZE = 4;

    /**
     * Bytes in a {@code grant_status_t}, one v2 status word: {@code sizeof(grant_status_t)}
     * (grant_table.h).
     */
    @XenConstant("sizeof(grant_status_t)")
    public static final int GRANT_STATUS_SIZE = 2;

    private GrantTableLimits() {
    }
}
