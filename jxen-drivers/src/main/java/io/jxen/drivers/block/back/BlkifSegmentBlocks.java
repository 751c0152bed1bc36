package io.jxen.drivers.block.back;

import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestSegmentDescriptor;

/**
 * The wire format of the request-size extension ("segment blocks") of FreeBSD's blkif.h
 * (Spectra Logic, 2010-2012: {@code sys/xen/interface/io/blkif.h}; proposed to Xen as commit
 * 15c018eb32 "blkif.h: Define and document the request number/size/segments extension",
 * reverted by f20e5f80da four days later). Xen 4.17's io/blkif.h has none of these macros, so
 * the gcc ABI oracle cannot check them and they live here, not in jxen-abi.
 *
 * <p>A request carries up to {@link #SEGMENTS_PER_HEADER_BLOCK} segments in its own ring slot
 * (the "header block"); the rest follow in the next ring slots, each a "segment block" of
 * {@link #SEGMENTS_PER_SEGMENT_BLOCK} {@code struct blkif_request_segment} entries laid from
 * the slot's first byte. Both ring indices move by the request's slot count
 * ({@code BLKIF_SEGS_TO_BLOCKS}): "a response to a 3 ring entry request must also consume 3
 * entries in the ring, even though only the first ring entry in the response has any data".
 *
 * <p>The slot count follows {@code nr_segments} for every request whose slot is a
 * {@code struct blkif_request}, whatever its operation, as FreeBSD's blkback advanced
 * {@code req_cons} before looking at the operation. {@code BLKIF_OP_DISCARD} and
 * {@code BLKIF_OP_INDIRECT} have layouts of their own with no segment count at byte 1 (the
 * extension predates both) and always take one slot.
 */
public final class BlkifSegmentBlocks {

    /**
     * {@code BLKIF_MAX_SEGMENTS_PER_HEADER_BLOCK}: segments in the request's own slot, the
     * standard protocol's {@code BLKIF_MAX_SEGMENTS_PER_REQUEST} (io/blkif.h).
     */
    public static final int SEGMENTS_PER_HEADER_BLOCK = BlkifLimits.MAX_SEGMENTS_PER_REQUEST;

    /**
     * {@code BLKIF_MAX_SEGMENTS_PER_SEGMENT_BLOCK}: segments in one following slot; 14 entries
     * of 8 bytes are exactly an x86_64 slot (112 bytes). They do not fit x86_32's 108-byte
     * slot, so the extension beyond 11 segments is refused to 32-bit frontends.
     */
    public static final int SEGMENTS_PER_SEGMENT_BLOCK = 14;

    /** {@code BLKIF_MAX_SEGMENTS_PER_REQUEST} of the extension: {@code nr_segments} is a {@code uint8_t}. */
    public static final int MAX_SEGMENTS_PER_REQUEST = 255;

    /** Bytes of one segment entry ({@code sizeof(struct blkif_request_segment)}, both ABIs). */
    public static final int SEGMENT_BYTES = BlkifRequestSegmentDescriptor.X86_64.SIZE;

    /** Slots of the largest request: {@code BLKIF_SEGS_TO_BLOCKS(255)} = 19. */
    public static final int MAX_SLOTS_PER_REQUEST = slots(MAX_SEGMENTS_PER_REQUEST);

    private BlkifSegmentBlocks() {
    }

    /**
     * {@code BLKIF_SEGS_TO_BLOCKS(nrSegments)}: ring slots of a request with that many segments,
     * 1 up to 11 segments, then one more per 14.
     *
     * @param nrSegments 0..255
     */
    public static int slots(int nrSegments) {
        if (nrSegments < 0 || nrSegments > MAX_SEGMENTS_PER_REQUEST) {
            throw new IllegalArgumentException("nr_segments " + nrSegments);
        }
        if (nrSegments <= SEGMENTS_PER_HEADER_BLOCK) {
            return 1;
        }
        return (nrSegments - SEGMENTS_PER_HEADER_BLOCK + SEGMENTS_PER_SEGMENT_BLOCK - 1) / SEGMENTS_PER_SEGMENT_BLOCK + 1;
    }

    /** Whether the slot of {@code operation} is a {@code struct blkif_request} whose byte 1 counts segments. */
    public static boolean countsSegments(int operation) {
        return operation != BlkifOp.DISCARD && operation != BlkifOp.INDIRECT;
    }

    /** Ring slots a request takes: {@link #slots} of byte 1 where it counts segments, else 1. */
    public static int slotsOf(int operation, int nrSegments) {
        return countsSegments(operation) ? slots(nrSegments) : 1;
    }

    /** Byte offset of segment {@code index} (11 or more) in the copied segment blocks, laid end to end by {@code slotBytes}. */
    public static long blockOffset(int index, int slotBytes) {
        int inBlocks = index - SEGMENTS_PER_HEADER_BLOCK;
        return (long) (inBlocks / SEGMENTS_PER_SEGMENT_BLOCK) * slotBytes
                + (long) (inBlocks % SEGMENTS_PER_SEGMENT_BLOCK) * SEGMENT_BYTES;
    }
}
