package io.jxen.drivers.block.back;

/**
 * One validated {@code blkif_request_segment} (io/blkif.h): sectors {@code firstSect..lastSect}
 * (inclusive, 512-byte units) of the 4 KiB page granted by {@code gref};
 * {@code 0 <= firstSect <= lastSect <= 7} holds.
 */
public record BlkifSegment(int gref, int firstSect, int lastSect) {

    /** Sectors of a 4 KiB grant page. */
    public static final int SECTORS_PER_PAGE = 8;

    /** Checks the sector bounds (the decoder has already refused anything else). */
    public BlkifSegment {
        if (firstSect < 0 || firstSect > lastSect || lastSect >= SECTORS_PER_PAGE) {
            throw new IllegalArgumentException("segment sectors " + firstSect + ".." + lastSect);
        }
    }

    /** Sectors this segment transfers. */
    public int sectors() {
        return lastSect - firstSect + 1;
    }

    /** Bytes this segment transfers. */
    public int lengthBytes() {
        return sectors() * BlkifRequestDecoder.SECTOR_BYTES;
    }

    /** Where in the granted page the transfer starts. */
    public int pageOffsetBytes() {
        return firstSect * BlkifRequestDecoder.SECTOR_BYTES;
    }
}
