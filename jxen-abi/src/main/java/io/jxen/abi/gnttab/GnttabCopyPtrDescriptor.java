package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_copy_ptr} of grant_table.h (x86_64): one end of a {@code gnttab_copy}.
 */
public final class GnttabCopyPtrDescriptor {

    /** Offset of {@code u.ref}: A grant reference (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy_ptr", member = "u.ref")
    public static final int U_REF_OFFSET = 0;

    /** Offset of {@code u.gmfn}: or a frame of the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy_ptr", member = "u.gmfn")
    public static final int U_GMFN_OFFSET = 0;

    /** Offset of {@code domid}: the domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy_ptr", member = "domid")
    public static final int DOMID_OFFSET = 8;

    /** Offset of {@code offset}: byte offset in the page (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_copy_ptr", member = "offset")
    public static final int OFFSET_OFFSET = 10;

    /** Bytes in {@code struct gnttab_copy_ptr} (grant_table.h). */
    @XenSizeof("struct gnttab_copy_ptr")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct gnttab_copy_ptr}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_copy_ptr)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabCopyPtrDescriptor() {
    }
}
