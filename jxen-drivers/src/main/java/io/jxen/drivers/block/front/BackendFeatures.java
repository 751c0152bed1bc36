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
 * @param maxRingPageOrder        {@code max-ring-page-order}, or log2 of the legacy
 *                                {@code max-ring-pages} (the larger of the two, io/blkif.h);
 *                                0 when both are absent
 */
public record BackendFeatures(long sectors, int sectorSizeBytes, int physicalSectorSizeBytes, boolean readOnly,
                              boolean flush, boolean barrier, boolean discard, boolean discardSecure,
                              int maxIndirectSegments, boolean persistent, int maxRingPageOrder) {

    /** A backend offering one ring page. */
    public BackendFeatures(long sectors, int sectorSizeBytes, int physicalSectorSizeBytes, boolean readOnly,
                           boolean flush, boolean barrier, boolean discard, boolean discardSecure,
                           int maxIndirectSegments, boolean persistent) {
        this(sectors, sectorSizeBytes, physicalSectorSizeBytes, readOnly, flush, barrier, discard, discardSecure,
                maxIndirectSegments, persistent, 0);
    }

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
        if (maxRingPageOrder < 0 || maxRingPageOrder > 31) {
            throw new IllegalArgumentException("max-ring-page-order " + maxRingPageOrder);
        }
        if (maxIndirectSegments < 0) {
            throw new IllegalArgumentException("feature-max-indirect-segments " + maxIndirectSegments);
        }
    }

    /** The same features with {@code maxRingPageOrder}. */
    public BackendFeatures withMaxRingPageOrder(int order) {
        return new BackendFeatures(sectors, sectorSizeBytes, physicalSectorSizeBytes, readOnly, flush, barrier, discard,
                discardSecure, maxIndirectSegments, persistent, order);
    }

    /**
     * The backend's ring limit from its keys, -1 where absent: io/blkif.h's
     * {@code MAX(ffs(max-ring-pages) - 1, max-ring-page-order)}; a legacy page count that is not a
     * power of two counts as its largest power of two below, a hostile huge value as order 31.
     */
    public static int ringPageOrder(long maxRingPageOrder, long maxRingPages) {
        int fromOrder = maxRingPageOrder < 0 ? 0 : (int) Math.min(maxRingPageOrder, 31);
        int fromPages = maxRingPages <= 0 ? 0 : Math.min(63 - Long.numberOfLeadingZeros(maxRingPages), 31);
        return Math.max(fromOrder, fromPages);
    }

    /** An original-protocol backend: only the disk geometry, no optional feature. */
    public static BackendFeatures original(long sectors, boolean readOnly) {
        return new BackendFeatures(sectors, 512, 512, readOnly, false, false, false, false, 0);
    }
}
