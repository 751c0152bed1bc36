package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_copy} of grant_table.h (x86_64): argument of {@code GNTTABOP_copy}.
 * {@code source} and {@code dest} are {@code struct gnttab_copy_ptr}; see {@link GnttabCopyPtrDescriptor}.
 */
public final class GnttabCopyDescriptor {

    /** Offset of {@code source}: IN: where to copy from (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "source")
    public static final int SOURCE_OFFSET = 0;

    /**
     * Offset of {@code source.u.ref}: IN: source grant (with {@code GNTCOPY_source_gref})
     * (grant_table.h).
     */
    @XenOffsetof(type = "struct gnttab_copy", member = "source.u.ref")
    public static final int SOURCE_U_REF_OFFSET = 0;

    /** Offset of {@code source.u.gmfn}: IN: source frame (without it) (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "source.u.gmfn")
    public static final int SOURCE_U_GMFN_OFFSET = 0;

    /**
     * Offset of {@code source.u}: the union of {@code ref} and {@code gmfn}, read whole and
     * interpreted by {@code GNTCOPY_source_gref} (grant_table.h).
     */
    @XenOffsetof(type = "struct gnttab_copy", member = "source.u")
    public static final int SOURCE_U_OFFSET = 0;

    /** Offset of {@code source.domid}: IN: source domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "source.domid")
    public static final int SOURCE_DOMID_OFFSET = 8;

    /** Offset of {@code source.offset}: IN: source byte offset (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "source.offset")
    public static final int SOURCE_OFFSET_OFFSET = 10;

    /** Offset of {@code dest}: IN: where to copy to (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest")
    public static final int DEST_OFFSET = 16;

    /**
     * Offset of {@code dest.u.ref}: IN: destination grant (with {@code GNTCOPY_dest_gref})
     * (grant_table.h).
     */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest.u.ref")
    public static final int DEST_U_REF_OFFSET = 16;

    /** Offset of {@code dest.u.gmfn}: IN: destination frame (without it) (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest.u.gmfn")
    public static final int DEST_U_GMFN_OFFSET = 16;

    /**
     * Offset of {@code dest.u}: the union of {@code ref} and {@code gmfn}, read whole and
     * interpreted by {@code GNTCOPY_dest_gref} (grant_table.h).
     */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest.u")
    public static final int DEST_U_OFFSET = 16;

    /** Offset of {@code dest.domid}: IN: destination domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest.domid")
    public static final int DEST_DOMID_OFFSET = 24;

    /** Offset of {@code dest.offset}: IN: destination byte offset (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "dest.offset")
    public static final int DEST_OFFSET_OFFSET = 26;

    /** Offset of {@code len}: IN: bytes to copy; the copy may not cross a page (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "len")
    public static final int LEN_OFFSET = 32;

    /** Offset of {@code flags}: IN: {@code GNTCOPY_*} (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "flags")
    public static final int FLAGS_OFFSET = 34;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy", member = "status")
    public static final int STATUS_OFFSET = 36;

    /** Bytes in {@code struct gnttab_copy} (grant_table.h). */
    @XenSizeof("struct gnttab_copy")
    public static final int SIZE = 40;

    /** The C alignment of {@code struct gnttab_copy}: where a view of it may start (grant_table.h). */
    @XenConstant(value = "_Alignof(struct gnttab_copy)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabCopyDescriptor() {
    }
}
