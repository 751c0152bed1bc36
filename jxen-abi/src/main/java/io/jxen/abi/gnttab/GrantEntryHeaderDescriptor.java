package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct grant_entry_header} of grant_table.h: the first four bytes of every version-2
 * entry.
 */
public final class GrantEntryHeaderDescriptor {

    /**
     * Offset of {@code flags}: {@code GTF_*} type bits (status bits live in the separate status
     * array in v2) (grant_table.h).
     */
    @XenOffsetof(type = "struct grant_entry_header", member = "flags")
    public static final int FLAGS_OFFSET = 0;

    /** Offset of {@code domid}: the domain granted access (grant_table.h). */
    @XenOffsetof(type = "struct grant_entry_header", member = "domid")
    public static final int DOMID_OFFSET = 2;

    /** Bytes in {@code struct grant_entry_header} (grant_table.h). */
    @XenSizeof("struct grant_entry_header")
    public static final int SIZE = 4;

    /**
     * The C alignment of {@code struct grant_entry_header}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct grant_entry_header)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 2;

    private GrantEntryHeaderDescriptor() {
    }
}
