package io.jxen.hypercall.abi;

/**
 * grant_table.h: sub-operations, entry flags, map flags and status codes. Move to jxen-abi.
 */
public final class GrantTableAbi {

    // GNTTABOP_* (grant_table.h:287-301)
    /** {@code GNTTABOP_map_grant_ref}. */
    public static final int MAP_GRANT_REF = 0;
    /** {@code GNTTABOP_unmap_grant_ref}. */
    public static final int UNMAP_GRANT_REF = 1;
    /** {@code GNTTABOP_setup_table}. */
    public static final int SETUP_TABLE = 2;
    /** {@code GNTTABOP_dump_table}. */
    public static final int DUMP_TABLE = 3;
    /** {@code GNTTABOP_transfer}. */
    public static final int TRANSFER = 4;
    /** {@code GNTTABOP_copy}. */
    public static final int COPY = 5;
    /** {@code GNTTABOP_query_size}. */
    public static final int QUERY_SIZE = 6;
    /** {@code GNTTABOP_unmap_and_replace}. */
    public static final int UNMAP_AND_REPLACE = 7;
    /** {@code GNTTABOP_set_version}. */
    public static final int SET_VERSION = 8;
    /** {@code GNTTABOP_get_status_frames}. */
    public static final int GET_STATUS_FRAMES = 9;
    /** {@code GNTTABOP_get_version}. */
    public static final int GET_VERSION = 10;

    // GTF_* (grant_table.h:146-177)
    /** Entry type: not in use. {@code GTF_invalid}. */
    public static final int GTF_INVALID = 0;
    /** Entry type: the named domain may map/copy the frame. {@code GTF_permit_access}. */
    public static final int GTF_PERMIT_ACCESS = 1;
    /** Entry type: {@code GTF_accept_transfer}. */
    public static final int GTF_ACCEPT_TRANSFER = 2;
    /** Entry type: {@code GTF_transitive} (v2 only). */
    public static final int GTF_TRANSITIVE = 3;
    /** Mask of the entry type. {@code GTF_type_mask}. */
    public static final int GTF_TYPE_MASK = 3;
    /** Guest-set: the grantee may only read. {@code GTF_readonly}. */
    public static final int GTF_READONLY = 1 << 2;
    /** Xen-set: the frame is mapped or being copied for reading. {@code GTF_reading}. */
    public static final int GTF_READING = 1 << 3;
    /** Xen-set: the frame is mapped or being copied for writing. {@code GTF_writing}. */
    public static final int GTF_WRITING = 1 << 4;
    /** {@code GTF_PWT}. */
    public static final int GTF_PWT = 1 << 5;
    /** {@code GTF_PCD}. */
    public static final int GTF_PCD = 1 << 6;
    /** {@code GTF_PAT}. */
    public static final int GTF_PAT = 1 << 7;
    /** Sub-page grant (v2). {@code GTF_sub_page}. */
    public static final int GTF_SUB_PAGE = 1 << 8;

    // GNTMAP_* (grant_table.h:591-620)
    /** Map for device access: {@code GNTMAP_device_map}. */
    public static final int GNTMAP_DEVICE_MAP = 1;
    /** Map into the mapper's address space: {@code GNTMAP_host_map}. */
    public static final int GNTMAP_HOST_MAP = 2;
    /** Map read-only: {@code GNTMAP_readonly}. */
    public static final int GNTMAP_READONLY = 4;
    /** {@code GNTMAP_application_map}. */
    public static final int GNTMAP_APPLICATION_MAP = 8;
    /** {@code GNTMAP_contains_pte}. */
    public static final int GNTMAP_CONTAINS_PTE = 16;

    // GNTCOPY_* (grant_table.h:438-441)
    /** The copy's source is a grant reference: {@code GNTCOPY_source_gref}. */
    public static final int GNTCOPY_SOURCE_GREF = 1;
    /** The copy's destination is a grant reference: {@code GNTCOPY_dest_gref}. */
    public static final int GNTCOPY_DEST_GREF = 2;

    // GNTST_* (grant_table.h:626-639)
    /** {@code GNTST_okay}. */
    public static final int GNTST_OKAY = 0;
    /** {@code GNTST_general_error}. */
    public static final int GNTST_GENERAL_ERROR = -1;
    /** {@code GNTST_bad_domain}. */
    public static final int GNTST_BAD_DOMAIN = -2;
    /** {@code GNTST_bad_gntref}. */
    public static final int GNTST_BAD_GNTREF = -3;
    /** {@code GNTST_bad_handle}. */
    public static final int GNTST_BAD_HANDLE = -4;
    /** {@code GNTST_bad_virt_addr}. */
    public static final int GNTST_BAD_VIRT_ADDR = -5;
    /** {@code GNTST_bad_dev_addr}. */
    public static final int GNTST_BAD_DEV_ADDR = -6;
    /** {@code GNTST_no_device_space}. */
    public static final int GNTST_NO_DEVICE_SPACE = -7;
    /** {@code GNTST_permission_denied}. */
    public static final int GNTST_PERMISSION_DENIED = -8;
    /** {@code GNTST_bad_page}. */
    public static final int GNTST_BAD_PAGE = -9;
    /** {@code GNTST_bad_copy_arg}. */
    public static final int GNTST_BAD_COPY_ARG = -10;
    /** {@code GNTST_address_too_big}. */
    public static final int GNTST_ADDRESS_TOO_BIG = -11;
    /** {@code GNTST_eagain}. */
    public static final int GNTST_EAGAIN = -12;
    /** {@code GNTST_no_space}. */
    public static final int GNTST_NO_SPACE = -13;

    /** Entries the guest never frees: {@code GNTTAB_NR_RESERVED_ENTRIES}. */
    public static final int NR_RESERVED_ENTRIES = 8;

    private GrantTableAbi() {
    }
}
