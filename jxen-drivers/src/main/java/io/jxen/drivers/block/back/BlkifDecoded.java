package io.jxen.drivers.block.back;

/**
 * What the decoder makes of one ring slot: a validated {@link BlkifRequest} or a
 * {@link BlkifRejection}. Either way it carries what the response must echo.
 */
public sealed interface BlkifDecoded permits BlkifRequest, BlkifRejection {

    /** The frontend's {@code id}, echoed in the response. */
    long id();

    /** The {@code operation} the response echoes: the inner op for {@code BLKIF_OP_INDIRECT}. */
    int responseOperation();
}
