package io.jxen.abi.blkif;

import io.jxen.abi.XenConstant;

/**
 * Operations of {@code blkif_request.operation} (io/blkif.h {@code BLKIF_OP_*}).
 */
public final class BlkifOp {

    /** Read sectors into the granted segments: {@code BLKIF_OP_READ} (io/blkif.h). */
    @XenConstant("BLKIF_OP_READ")
    public static final int READ = 0;

    /** Write sectors from the granted segments: {@code BLKIF_OP_WRITE} (io/blkif.h). */
    @XenConstant("BLKIF_OP_WRITE")
    public static final int WRITE = 1;

    /**
     * Write, ordered after all earlier writes ({@code feature-barrier}):
     * {@code BLKIF_OP_WRITE_BARRIER} (io/blkif.h).
     */
    @XenConstant("BLKIF_OP_WRITE_BARRIER")
    public static final int WRITE_BARRIER = 2;

    /**
     * Flush the disk cache ({@code feature-flush-cache}): {@code BLKIF_OP_FLUSH_DISKCACHE}
     * (io/blkif.h).
     */
    @XenConstant("BLKIF_OP_FLUSH_DISKCACHE")
    public static final int FLUSH_DISKCACHE = 3;

    /** Reserved (was a device-specific op): {@code BLKIF_OP_RESERVED_1} (io/blkif.h). */
    @XenConstant("BLKIF_OP_RESERVED_1")
    public static final int RESERVED_1 = 4;

    /**
     * Discard sectors ({@code feature-discard}; {@code struct blkif_request_discard}):
     * {@code BLKIF_OP_DISCARD} (io/blkif.h).
     */
    @XenConstant("BLKIF_OP_DISCARD")
    public static final int DISCARD = 5;

    /**
     * Segments are in indirect pages ({@code feature-max-indirect-segments};
     * {@code struct blkif_request_indirect}): {@code BLKIF_OP_INDIRECT} (io/blkif.h).
     */
    @XenConstant("BLKIF_OP_INDIRECT")
    public static final int INDIRECT = 6;

    private BlkifOp() {
    }
}
