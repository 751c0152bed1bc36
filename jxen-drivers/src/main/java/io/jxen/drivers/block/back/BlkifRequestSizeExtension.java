package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.abi.ring.SharedRingDescriptor;

/**
 * The limits of FreeBSD's request-size extension (blkif.h "Request Transport Parameters" of
 * the 2012 Spectra Logic revision, see {@link BlkifSegmentBlocks}): as a backend offers them
 * ({@link #offer}) or as they are in force on a connection ({@link #negotiate}).
 *
 * <p>The keys, the same names on both ends:
 * <ul>
 * <li>{@code max-requests}: concurrent logical requests (a logical request may take several
 *     ring slots); default {@code BLKIF_MAX_RING_REQUESTS(PAGE_SIZE)}, at most the entries of
 *     the largest ring the backend maps;</li>
 * <li>{@code max-request-segments}: the largest {@code nr_segments}; default 11, at most 255;</li>
 * <li>{@code max-request-size}: bytes one request may reference; at most
 *     {@code max-request-segments * PAGE_SIZE}.</li>
 * </ul>
 * A backend publishes them at probe (FreeBSD's blkback did, beside {@code max-ring-pages}); a
 * frontend that wants the extension writes its own values, which must not exceed the backend's
 * (FreeBSD's blkback refused the connection otherwise: "exceeds backend limit ... Unable to
 * connect"). A frontend that writes none of them speaks the standard protocol.
 *
 * @param maxRequests        {@code max-requests}
 * @param maxRequestSegments {@code max-request-segments}, 1..255
 * @param maxRequestSize     {@code max-request-size} in bytes, 1..{@code maxRequestSegments * 4096}
 */
public record BlkifRequestSizeExtension(int maxRequests, int maxRequestSegments, long maxRequestSize) {

    /** Checks the ranges. */
    public BlkifRequestSizeExtension {
        if (maxRequestSegments < 1 || maxRequestSegments > BlkifSegmentBlocks.MAX_SEGMENTS_PER_REQUEST) {
            throw new IllegalArgumentException("max-request-segments " + maxRequestSegments + " (1.."
                    + BlkifSegmentBlocks.MAX_SEGMENTS_PER_REQUEST + ")");
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("max-requests " + maxRequests);
        }
        if (maxRequestSize < 1 || maxRequestSize > (long) maxRequestSegments * XenPage.SIZE) {
            throw new IllegalArgumentException("max-request-size " + maxRequestSize + " (1.."
                    + (long) maxRequestSegments * XenPage.SIZE + " for " + maxRequestSegments + " segments)");
        }
    }

    /**
     * {@code BLKIF_MAX_RING_REQUESTS(PAGE_SIZE * pages)}: entries of a ring of {@code pages}
     * pages ({@code __RING_SIZE}); the x86_64 slot is the larger, so this holds for x86_32 too.
     */
    public static int ringRequests(int pages) {
        return SharedRingDescriptor.entries(pages, BlkifSringDescriptor.X86_64.ENTRY_SIZE);
    }

    /**
     * What a backend mapping rings of up to {@code maxRingPages} pages publishes for requests of
     * up to {@code maxRequestSegments} segments: every slot of its largest ring, and the full
     * pages of that many segments.
     */
    public static BlkifRequestSizeExtension offer(int maxRingPages, int maxRequestSegments) {
        return new BlkifRequestSizeExtension(ringRequests(maxRingPages), maxRequestSegments,
                (long) maxRequestSegments * XenPage.SIZE);
    }

    /**
     * The limits in force when a frontend wrote the extension's keys ({@code -1} for one it did
     * not write) against {@code offer}.
     *
     * <p>Defaults for absent keys: 11 segments, the one-page ring's requests, and the full pages
     * of the segments (blkif.h says {@code 11 * PAGE_SIZE}; a frontend that raised the segments
     * and left the size out is not held to 44 KiB, the segment count bounds the size anyway).
     *
     * @throws IllegalArgumentException naming the key, when a value is 0, over the offer, or
     *                                  when a 32-bit frontend asks for more than 11 segments (a
     *                                  14-segment block of 112 bytes does not fit its 108-byte slot)
     */
    public static BlkifRequestSizeExtension negotiate(BlkifRequestSizeExtension offer, XenAbi abi,
                                                      long maxRequests, long maxRequestSegments, long maxRequestSize) {
        long segments = maxRequestSegments < 0 ? BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK : maxRequestSegments;
        if (segments < 1 || segments > offer.maxRequestSegments()) {
            throw new IllegalArgumentException("frontend max-request-segments " + Long.toUnsignedString(segments)
                    + " exceeds backend limit of " + offer.maxRequestSegments());
        }
        if (abi == XenAbi.X86_32 && segments > BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK) {
            throw new IllegalArgumentException("frontend max-request-segments " + segments
                    + " needs segment blocks, which do not fit x86_32-abi ring slots");
        }
        long requests = maxRequests < 0 ? ringRequests(1) : maxRequests;
        if (requests < 1 || requests > offer.maxRequests()) {
            throw new IllegalArgumentException("frontend max-requests " + Long.toUnsignedString(requests)
                    + " exceeds backend limit of " + offer.maxRequests());
        }
        long size = maxRequestSize < 0 ? segments * XenPage.SIZE : maxRequestSize;
        if (size < 1 || size > offer.maxRequestSize() || size > segments * XenPage.SIZE) {
            throw new IllegalArgumentException("frontend max-request-size " + Long.toUnsignedString(size)
                    + " exceeds backend limit of " + Math.min(offer.maxRequestSize(), segments * XenPage.SIZE));
        }
        return new BlkifRequestSizeExtension((int) requests, (int) segments, size);
    }
}
