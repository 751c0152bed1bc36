package io.jxen.abi.blkif;

import io.jxen.abi.XenConstant;

/**
 * Status of {@code blkif_response.status} (io/blkif.h {@code BLKIF_RSP_*}).
 */
public final class BlkifRsp {

    /** The operation is not supported: {@code BLKIF_RSP_EOPNOTSUPP} (io/blkif.h). */
    @XenConstant("BLKIF_RSP_EOPNOTSUPP")
    public static final int EOPNOTSUPP = -2;

    /** The request failed: {@code BLKIF_RSP_ERROR} (io/blkif.h). */
    @XenConstant("BLKIF_RSP_ERROR")
    public static final int ERROR = -1;

    /** The request succeeded: {@code BLKIF_RSP_OKAY} (io/blkif.h). */
    @XenConstant("BLKIF_RSP_OKAY")
    public static final int OKAY = 0;

    private BlkifRsp() {
    }
}
