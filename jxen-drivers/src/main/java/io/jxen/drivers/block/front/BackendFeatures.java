package io.jxen.drivers.block.front;

/**
 * What the backend advertised (io/blkif.h "Backend Device Properties" and features), as the
 * frontend read it. A key the backend did not write takes the original protocol's value:
 * no flush, no barrier, no discard, no indirect segments, {@code physical-sector-size} =
 * {@code sector-size}.
 *
 * @param sectors                 {@code sectors}, 512-byte units
 * @param sectorSizeBytes         {@code sector-size}
 * @param physicalSectorSizeBytes {@code physical-sector-size}
 * @param readOnly                {@code info & VDISK_READONLY} (or {@code mode=r})
 * @param flush                   {@code feature-flush-cache}
 * @param barrier                 {@code feature-barrier}
 * @param discard                 {@code feature-discard}
 * @param discardSecure           {@code discard-secure}
 * @param maxIndirectSegments     {@code feature-max-indirect-segments}, 0 when absent
 * @param persistent              {@code feature-persistent}
 */
public record BackendFeatures(long sectors, int sectorSizeBytes, int physicalSectorSizeBytes, boolean readOnly,
                              boolean flush, boolean barrier, boolean discard, boolean discardSecure,
                              int maxIndirectSegments, boolean persistent) {

    /** A backend without {@code feature-persistent}. */
    public BackendFeatures(long sectors, int sectorSizeBytes, int physicalSectorSizeBytes, boolean readOnly,
                           boolean flush, boolean barrier, boolean discard, boolean discardSecure,
                           int maxIndirectSegments) {
        this(sectors, sectorSizeBytes, physicalSectorSizeBytes, readOnly, flush, barrier, discard, discardSecure,
                maxIndirectSegments, false);
    }

    /** Checks the values a hostile backend could get wrong. */
    public BackendFeatures {
        if (sectors < 0 || sectors > Long.MAX_VALUE / 512) {
            throw new IllegalArgumentException("sectors " + sectors);
        }
        if (sectorSizeBytes < 512 || Integer.bitCount(sectorSizeBytes) != 1) {
            throw new IllegalArgumentException("sector-size " + sectorSizeBytes);
        }
        if (physicalSectorSizeBytes < sectorSizeBytes || physicalSectorSizeBytes % sectorSizeBytes != 0) {
            throw new IllegalArgumentException("physical-sector-size " + physicalSectorSizeBytes);
        }
        if (maxIndirectSegments < 0) {
            throw new IllegalArgumentException("feature-max-indirect-segments " + maxIndirectSegments);
        }
    }

    /** An original-protocol backend: only the disk geometry, no optional feature. */
    public static BackendFeatures original(long sectors, boolean readOnly) {
        return new BackendFeatures(sectors, 512, 512, readOnly, false, false, false, false, 0);
    }
}
