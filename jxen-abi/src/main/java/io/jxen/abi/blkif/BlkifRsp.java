package io.jxen.abi.blkif;

import io.jxen.abi.XenConstant;

/**
 * Status of {@code blkif_response.status} (io/blkif.h {@code BLKIF_RSP_*}).
 */
public final class BlkifRsp {

    /** The operation is not supported: {@code BLKIF_RSP_EOPNOTSUPP}. */
    @XenConstant("BLKIF_RSP_EOPNOTSUPP")
    public static final int EOPNOTSUPP = -2;

    /** The request failed: {@code BLKIF_RSP_ERROR}. */
    @XenConstant("BLKIF_RSP_ERROR")
    public static final int ERROR = -1;

    /** The request succeeded: {@code BLKIF_RSP_OKAY}. */
    @XenConstant("BLKIF_RSP_OKAY")
    public static final int OKAY = 0;

    private BlkifRsp() {
    }
}
