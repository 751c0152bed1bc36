package io.jxen.drivers.block;

/** Optional abilities of a {@link BlockDevice}; they map to blkif {@code feature-*} keys and NBD flags. */
public enum BlockCapability {
    /** {@link BlockDevice#flush()} reaches stable storage (blkif {@code feature-flush-cache}, NBD SEND_FLUSH). */
    FLUSH,
    /** Writes with force unit access (NBD SEND_FUA; blkif barrier/flush with data). */
    FUA,
    /** {@link BlockDevice#discard} releases space (blkif {@code feature-discard}, NBD SEND_TRIM). */
    DISCARD,
    /** {@link BlockDevice#writeZeroes} is cheaper than writing a zero buffer (NBD SEND_WRITE_ZEROES). */
    WRITE_ZEROES,
    /** {@link BlockDevice#allocation} reports real holes (NBD {@code base:allocation}). */
    ALLOCATION_STATUS
}
