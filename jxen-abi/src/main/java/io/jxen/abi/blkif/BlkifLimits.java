package io.jxen.abi.blkif;

import io.jxen.abi.XenConstant;

/**
 * Request limits and flags of io/blkif.h.
 */
public final class BlkifLimits {

    /**
     * Segments a direct request carries at most: {@code BLKIF_MAX_SEGMENTS_PER_REQUEST}
     * (io/blkif.h).
     */
    @XenConstant("BLKIF_MAX_SEGMENTS_PER_REQUEST")
    public static final int MAX_SEGMENTS_PER_REQUEST = 11;

    /**
     * Indirect pages an indirect request references at most:
     * {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST} (io/blkif.h).
     */
    @XenConstant("BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST")
    public static final int MAX_INDIRECT_PAGES_PER_REQUEST = 8;

    /**
     * {@code blkif_request_discard.flag}: erase securely: {@code BLKIF_DISCARD_SECURE}
     * (io/blkif.h).
     */
    @XenConstant("BLKIF_DISCARD_SECURE")
    public static final int DISCARD_SECURE = 1;

    private BlkifLimits() {
    }
}
