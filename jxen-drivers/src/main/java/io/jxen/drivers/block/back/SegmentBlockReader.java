package io.jxen.drivers.block.back;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRequestSegmentDescriptor;
import io.jxen.drivers.block.back.BlkifRejection.Rule;
import io.jxen.memory.ring.BackRing;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Takes requests of FreeBSD's request-size extension off a ring (see {@link BlkifSegmentBlocks}):
 * the request's slot, then the segment blocks that follow it, each slot copied once into private
 * memory before anything is read from it (XSA-155), and the copy decoded with the standard
 * decoder's checks plus the negotiated {@code max-request-segments} and {@code max-request-size}.
 *
 * <p>The slot count comes from the header's {@code nr_segments} before any check, as the
 * frontend laid the request out, so a refused request still takes all its slots and its one
 * response moves {@code rsp_prod} by as many: the ring stays in step. Segment blocks beyond the
 * published {@code req_prod} are a broken ring, not a bad request ({@link PastProducer}: the
 * device fails), since answering would consume slots the frontend has not given. Not
 * thread-safe: one reader per ring.
 */
final class SegmentBlockReader {

    /** The header's segment blocks reach past the {@code req_prod} the backend validated. */
    static final class PastProducer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PastProducer(String message) {
            super(message, null, false, false);
        }
    }

    private final BlkifRequestDecoder decoder;
    private final BlkifRequestSizeExtension limits;
    private final int slotBytes;
    private final BlkifRequestFlyweight header;
    private final MemorySegment blocks;
    private int lastSlots;

    /**
     * @param decoder   the ring's standard decoder (its ABI and device profile)
     * @param limits    the negotiated limits
     * @param slotBytes bytes of one ring slot (112 on x86_64)
     */
    SegmentBlockReader(BlkifRequestDecoder decoder, BlkifRequestSizeExtension limits, int slotBytes) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.limits = Objects.requireNonNull(limits, "limits");
        if (decoder.abi() == XenAbi.X86_32
                && limits.maxRequestSegments() > BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK) {
            throw new IllegalArgumentException("segment blocks do not fit x86_32-abi slots");
        }
        if (slotBytes < BlkifSegmentBlocks.SEGMENTS_PER_SEGMENT_BLOCK * BlkifSegmentBlocks.SEGMENT_BYTES
                && limits.maxRequestSegments() > BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK) {
            throw new IllegalArgumentException("a slot of " + slotBytes + " bytes cannot hold a segment block");
        }
        this.slotBytes = slotBytes;
        this.header = new BlkifRequestFlyweight(decoder.abi());
        this.blocks = MemorySegment.ofArray(
                new long[(BlkifSegmentBlocks.MAX_SLOTS_PER_REQUEST - 1) * slotBytes / Long.BYTES + 1]);
    }

    /** The limits in force. */
    BlkifRequestSizeExtension limits() {
        return limits;
    }

    /** Ring slots the last {@link #take} consumed (the response must consume as many). */
    int lastSlots() {
        return lastSlots;
    }

    /**
     * Copies the next request and its segment blocks off {@code ring} (each slot once) into
     * {@code headerCopy} and private memory, and decodes the copies.
     *
     * @throws PastProducer if the segment blocks are not all below the validated {@code req_prod}
     */
    BlkifDecoded take(BackRing ring, MemorySegment headerCopy) {
        ring.copyRequest(headerCopy);
        header.wrap(headerCopy, 0);
        int operation = header.getOperation();
        int count = header.getNrSegments();
        int slots = BlkifSegmentBlocks.slotsOf(operation, count);
        int counted = ring.countedRequests();
        if (slots - 1 > counted) {
            throw new PastProducer("request with nr_segments " + count + " needs " + slots + " ring slots, only "
                    + (counted + 1) + " published below req_prod");
        }
        for (int b = 1; b < slots; b++) {
            ring.copyRequest(blocks.asSlice((long) (b - 1) * slotBytes, slotBytes));
        }
        lastSlots = slots;
        return decode(headerCopy, operation, count);
    }

    /**
     * Decodes a request whose header is in {@code headerCopy} and whose segment blocks were
     * copied to {@link #blocks}; package-private for tests.
     */
    BlkifDecoded decode(MemorySegment headerCopy, int operation, int count) {
        boolean transfer = operation == BlkifOp.READ || operation == BlkifOp.WRITE
                || operation == BlkifOp.WRITE_BARRIER || operation == BlkifOp.FLUSH_DISKCACHE;
        BlkifDecoded decoded;
        if (transfer && (count > BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK || count > limits.maxRequestSegments())) {
            header.wrap(headerCopy, 0);
            decoded = decodeLong(operation, count);
        } else {
            decoded = decoder.decode(headerCopy, 0); // the standard protocol's request, same checks
        }
        if (decoded instanceof BlkifRequest.Transfer t && !t.indirect() && t.lengthBytes() > limits.maxRequestSize()) {
            return BlkifRequestDecoder.reject(t.id(), t.operation(), Rule.REQUEST_TOO_LARGE, t.lengthBytes()
                    + " bytes > negotiated max-request-size " + limits.maxRequestSize());
        }
        return decoded;
    }

    /** The standard decoder's order of checks, with the negotiated segment limit and the blocks. */
    private BlkifDecoded decodeLong(int operation, int count) {
        BlkifDeviceProfile profile = decoder.profile();
        long id = header.getId();
        if (operation == BlkifOp.WRITE_BARRIER && !profile.barrier()) {
            return BlkifRequestDecoder.reject(id, operation, Rule.FEATURE_NOT_ADVERTISED, "feature-barrier is off");
        }
        if (operation == BlkifOp.FLUSH_DISKCACHE && !profile.flush()) {
            return BlkifRequestDecoder.reject(id, operation, Rule.FEATURE_NOT_ADVERTISED, "feature-flush-cache is off");
        }
        if (operation != BlkifOp.READ && profile.readOnly()) {
            return BlkifRequestDecoder.reject(id, operation, Rule.READ_ONLY,
                    "operation " + operation + " on a read-only device");
        }
        if (count > limits.maxRequestSegments()) {
            return BlkifRequestDecoder.reject(id, operation, Rule.TOO_MANY_SEGMENTS, "nr_segments " + count
                    + " > negotiated max-request-segments " + limits.maxRequestSegments());
        }
        List<BlkifSegment> segments = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int gref;
            int first;
            int last;
            if (i < BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK) {
                gref = header.getSegmentGref(i);
                first = header.getSegmentFirstSect(i);
                last = header.getSegmentLastSect(i);
            } else {
                long at = BlkifSegmentBlocks.blockOffset(i, slotBytes);
                gref = OrderedAccess.getIntPlain(blocks, at + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET);
                first = Byte.toUnsignedInt(OrderedAccess.getBytePlain(blocks,
                        at + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET));
                last = Byte.toUnsignedInt(OrderedAccess.getBytePlain(blocks,
                        at + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET));
            }
            BlkifRejection bad = BlkifRequestDecoder.checkSegment(id, operation, i, first, last);
            if (bad != null) {
                return bad;
            }
            segments.add(new BlkifSegment(gref, first, last));
        }
        long sector = header.getSectorNumber();
        BlkifRejection bad = decoder.checkRange(id, operation, sector, BlkifRequestDecoder.sectors(segments));
        if (bad != null) {
            return bad;
        }
        return new BlkifRequest.Transfer(id, header.getHandle(), operation, sector, segments, false);
    }

    /** The private copy of the segment blocks (tests fill it to decode without a ring). */
    MemorySegment blocks() {
        return blocks;
    }
}
