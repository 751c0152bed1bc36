package io.jxen.drivers.block.back;

import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockDevice;

/**
 * What the backend advertised for one device: the facts every request is checked against.
 *
 * @param sectors                disk size in 512-byte sectors (xenstore {@code sectors})
 * @param sectorSizeBytes        logical sector size ({@code sector-size}), a power of two, at least 512
 * @param readOnly               {@code mode=r}
 * @param flush                  {@code feature-flush-cache}
 * @param barrier                {@code feature-barrier}
 * @param discard                {@code feature-discard}
 * @param discardSecure          {@code discard-secure}
 * @param maxIndirectSegments    {@code feature-max-indirect-segments}, 0 when indirect is off
 */
public record BlkifDeviceProfile(long sectors, int sectorSizeBytes, boolean readOnly, boolean flush, boolean barrier,
                                 boolean discard, boolean discardSecure, int maxIndirectSegments) {

    /** The protocol's ceiling for indirect segments: 8 pages of 512 segments (io/blkif.h). */
    public static final int MAX_INDIRECT_SEGMENTS =
            BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST * BlkifRequestDecoder.SEGMENTS_PER_INDIRECT_PAGE;

    /** Checks the values. */
    public BlkifDeviceProfile {
        if (sectors < 0 || sectors > Long.MAX_VALUE / BlkifRequestDecoder.SECTOR_BYTES) {
            throw new IllegalArgumentException("sectors " + sectors);
        }
        if (sectorSizeBytes < BlkifRequestDecoder.SECTOR_BYTES || Integer.bitCount(sectorSizeBytes) != 1) {
            throw new IllegalArgumentException("sector-size " + sectorSizeBytes);
        }
        if (maxIndirectSegments < 0 || maxIndirectSegments > MAX_INDIRECT_SEGMENTS) {
            throw new IllegalArgumentException("feature-max-indirect-segments " + maxIndirectSegments);
        }
    }

    /**
     * The profile of a device as jxen's blkback would advertise it: flush and barrier when the
     * device can flush, discard when it can discard (never secure), indirect up to
     * {@code maxIndirectSegments}.
     */
    public static BlkifDeviceProfile of(BlockDevice device, int maxIndirectSegments) {
        boolean flush = device.capabilities().contains(BlockCapability.FLUSH);
        return new BlkifDeviceProfile(device.sizeBytes() / BlkifRequestDecoder.SECTOR_BYTES,
                device.logicalSectorSizeBytes(), device.readOnly(), flush, flush,
                device.capabilities().contains(BlockCapability.DISCARD), false, maxIndirectSegments);
    }
}
