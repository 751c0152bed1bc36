package io.jxen.abi.gnttab;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct grant_entry_v1} of grant_table.h: one entry of a version-1 grant table, 8 bytes,
 * written by the granting guest and read (and {@code flags} updated) by Xen.
 *
 * <pre>
 *   0         2         4                   8
 *   +---------+---------+-------------------+
 *   | flags   | domid   | frame             |
 *   +---------+---------+-------------------+
 * </pre>
 */
public final class GrantEntryV1Descriptor {

    /**
     * Offset of {@code flags}: {@code GTF_*} type and status bits; see {@link Gtf}
     * (grant_table.h).
     */
    @XenOffsetof(type = "struct grant_entry_v1", member = "flags")
    public static final int FLAGS_OFFSET = 0;

    /** Offset of {@code domid}: the domain granted access (grant_table.h). */
    @XenOffsetof(type = "struct grant_entry_v1", member = "domid")
    public static final int DOMID_OFFSET = 2;

    /**
     * Offset of {@code frame}: the granted frame (or the transferred frame, written by Xen)
     * (grant_table.h).
     */
    @XenOffsetof(type = "struct grant_entry_v1", member = "frame")
    public static final int FRAME_OFFSET = 4;

    /** Bytes in {@code struct grant_entry_v1} (grant_table.h). */
    @XenSizeof("struct grant_entry_v1")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct grant_entry_v1}: where a view of it may start
     * (grant_table.h).
     */
    @XenConstant(value = "_Alignof(struct grant_entry_v1)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private GrantEntryV1Descriptor() {
    }
}
