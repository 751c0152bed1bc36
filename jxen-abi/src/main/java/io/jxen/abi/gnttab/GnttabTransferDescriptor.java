package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct gnttab_transfer} of grant_table.h (x86_64): argument of {@code GNTTABOP_transfer}.
 */
public final class GnttabTransferDescriptor {

    /** Offset of {@code mfn}: IN: the frame to transfer (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_transfer", member = "mfn")
    public static final int MFN_OFFSET = 0;

    /** Offset of {@code domid}: IN: the receiving domain (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_transfer", member = "domid")
    public static final int DOMID_OFFSET = 8;

    /** Offset of {@code ref}: IN: its accept-transfer grant (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_transfer", member = "ref")
    public static final int REF_OFFSET = 12;

    /** Offset of {@code status}: OUT: a {@code GNTST_*} code (grant_table.h). */
    @XenOffsetof(type = "struct gnttab_transfer", member = "status")
    public static final int STATUS_OFFSET = 16;

    /** Bytes in {@code struct gnttab_transfer} (grant_table.h). */
    @XenSizeof("struct gnttab_transfer")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct gnttab_transfer}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct gnttab_transfer)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private GnttabTransferDescriptor() {
    }
}
