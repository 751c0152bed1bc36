package io.jxen.abi.gnttab;

import io.jxen.abi.XenConstant;

/**
 * Bits of a grant entry's {@code flags} (grant_table.h {@code GTF_*}): a two-bit type and
 * status bits. The granting guest writes the type and {@code readonly}; Xen sets
 * {@code reading}/{@code writing} while the grant is in use, so the guest may only revoke an
 * entry whose flags it can swap from the type to {@code GTF_invalid} without those bits.
 */
public final class Gtf {

    /** Type: the entry grants nothing: {@code GTF_invalid} (grant_table.h). */
    @XenConstant("GTF_invalid")
    public static final int INVALID = 0x0;

    /** Type: the entry grants access to a frame: {@code GTF_permit_access} (grant_table.h). */
    @XenConstant("GTF_permit_access")
    public static final int PERMIT_ACCESS = 0x1;

    /** Type: the entry accepts a page transfer: {@code GTF_accept_transfer} (grant_table.h). */
    @XenConstant("GTF_accept_transfer")
    public static final int ACCEPT_TRANSFER = 0x2;

    /**
     * Type: the entry grants access through another grant (v2): {@code GTF_transitive}
     * (grant_table.h).
     */
    @XenConstant("GTF_transitive")
    public static final int TRANSITIVE = 0x3;

    /** Mask of the type bits: {@code GTF_type_mask} (grant_table.h). */
    @XenConstant("GTF_type_mask")
    public static final int TYPE_MASK = 0x3;

    /** Bit number of {@code GTF_readonly}: {@code _GTF_readonly} (grant_table.h). */
    @XenConstant("_GTF_readonly")
    public static final int READONLY_SHIFT = 2;

    /** The grantee may only read: {@code GTF_readonly} (grant_table.h). */
    @XenConstant("GTF_readonly")
    public static final int READONLY = 0x4;

    /** Bit number of {@code GTF_reading}: {@code _GTF_reading} (grant_table.h). */
    @XenConstant("_GTF_reading")
    public static final int READING_SHIFT = 3;

    /**
     * Set by Xen while the frame is mapped or copied for reading: {@code GTF_reading}
     * (grant_table.h).
     */
    @XenConstant("GTF_reading")
    public static final int READING = 0x8;

    /** Bit number of {@code GTF_writing}: {@code _GTF_writing} (grant_table.h). */
    @XenConstant("_GTF_writing")
    public static final int WRITING_SHIFT = 4;

    /**
     * Set by Xen while the frame is mapped or copied for writing: {@code GTF_writing}
     * (grant_table.h).
     */
    @XenConstant("GTF_writing")
    public static final int WRITING = 0x10;

    /** Cacheability: write-through: {@code GTF_PWT} (grant_table.h). */
    @XenConstant("GTF_PWT")
    public static final int PWT = 0x20;

    /** Cacheability: cache disable: {@code GTF_PCD} (grant_table.h). */
    @XenConstant("GTF_PCD")
    public static final int PCD = 0x40;

    /** Cacheability: PAT bit: {@code GTF_PAT} (grant_table.h). */
    @XenConstant("GTF_PAT")
    public static final int PAT = 0x80;

    /** Bit number of {@code GTF_sub_page}: {@code _GTF_sub_page} (grant_table.h). */
    @XenConstant("_GTF_sub_page")
    public static final int SUB_PAGE_SHIFT = 8;

    /** The v2 entry grants part of a page: {@code GTF_sub_page} (grant_table.h). */
    @XenConstant("GTF_sub_page")
    public static final int SUB_PAGE = 0x100;

    /**
     * Transfer: Xen committed to transferring a page: {@code GTF_transfer_committed}
     * (grant_table.h).
     */
    @XenConstant("GTF_transfer_committed")
    public static final int TRANSFER_COMMITTED = 0x4;

    /** Transfer: the transfer completed: {@code GTF_transfer_completed} (grant_table.h). */
    @XenConstant("GTF_transfer_completed")
    public static final int TRANSFER_COMPLETED = 0x8;

    private Gtf() {
    }
}
