package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestDescriptor;
import io.jxen.abi.blkif.BlkifRequestDiscardFlyweight;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRequestIndirectFlyweight;
import io.jxen.abi.blkif.BlkifRequestSegmentDescriptor;
import io.jxen.drivers.block.back.BlkifRejection.Rule;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns one blkif ring slot into a {@link BlkifRequest} or a {@link BlkifRejection}, for one
 * device and one protocol ({@code x86_64-abi}, or {@code x86_32-abi} from a 32-bit frontend).
 *
 * <p>The slot is peer memory: {@link #decode} first copies its bytes into a buffer private to
 * this decoder, exactly once, and reads only the copy, so a frontend that rewrites the slot
 * meanwhile cannot make a checked value differ from a used one (XSA-155, io/ring.h
 * {@code RING_COPY_REQUEST}). Indirect segment pages get the same treatment in
 * {@link #decodeIndirectSegments}. Nothing a frontend writes makes these methods throw: every
 * bad value becomes a rejection with the rule it broke.
 *
 * <p>Checks, in order (the first failure wins): known operation; feature advertised; device
 * writable for write-like operations; segment count; each segment's sectors; the range
 * neither wraps nor ends past the disk; alignment to {@code sector-size}. Not thread-safe:
 * one decoder per ring.
 */
public final class BlkifRequestDecoder {

    /** blkif's sector unit on the wire. */
    public static final int SECTOR_BYTES = 512;

    /** Segments in one indirect page: 4096 / sizeof(struct blkif_request_segment). */
    public static final int SEGMENTS_PER_INDIRECT_PAGE = 4096 / BlkifRequestSegmentDescriptor.X86_64.SIZE;

    private final XenAbi abi;
    private final BlkifDeviceProfile profile;
    private final int slotBytes;
    private final MemorySegment copy = MemorySegment.ofArray(new long[16]);
    /** The indirect pages' segment entries, copied once: one 8-byte word each (see {@link #decodeIndirectSegments}). */
    private final long[] segmentWords = new long[BlkifDeviceProfile.MAX_INDIRECT_SEGMENTS];
    private final BlkifRequestFlyweight request;
    private final BlkifRequestDiscardFlyweight discard;
    private final BlkifRequestIndirectFlyweight indirect;

    /** A decoder for requests laid out for {@code abi}, checked against {@code profile}. */
    public BlkifRequestDecoder(XenAbi abi, BlkifDeviceProfile profile) {
        this.abi = Objects.requireNonNull(abi, "abi");
        this.profile = Objects.requireNonNull(profile, "profile");
        this.slotBytes = switch (abi) {
            case X86_64 -> BlkifRequestDescriptor.X86_64.SIZE;
            case X86_32 -> BlkifRequestDescriptor.X86_32.SIZE;
        };
        this.request = new BlkifRequestFlyweight(abi);
        this.discard = new BlkifRequestDiscardFlyweight(abi);
        this.indirect = new BlkifRequestIndirectFlyweight(abi);
    }

    /** Bytes of one request slot in this decoder's ABI (112 or 108). */
    public int slotBytes() {
        return slotBytes;
    }

    /** The protocol this decoder reads. */
    public XenAbi abi() {
        return abi;
    }

    /** The device facts requests are checked against. */
    public BlkifDeviceProfile profile() {
        return profile;
    }

    /**
     * Copies the request at {@code offset} of {@code slot} (the ring, or a copy of it) once,
     * then decodes the copy.
     *
     * @throws IndexOutOfBoundsException if fewer than {@link #slotBytes()} bytes are there (a
     *                                   caller bug, never peer input)
     */
    public BlkifDecoded decode(MemorySegment slot, long offset) {
        MemorySegment.copy(slot, offset, copy, 0, slotBytes);
        request.wrap(copy, 0);
        int operation = request.getOperation();
        long id = request.getId();
        return switch (operation) {
            case BlkifOp.READ, BlkifOp.WRITE -> decodeTransfer(id, operation, false);
            case BlkifOp.WRITE_BARRIER -> profile.barrier()
                    ? decodeTransfer(id, operation, true)
                    : reject(id, operation, Rule.FEATURE_NOT_ADVERTISED, "feature-barrier is off");
            case BlkifOp.FLUSH_DISKCACHE -> profile.flush()
                    ? decodeTransfer(id, operation, true)
                    : reject(id, operation, Rule.FEATURE_NOT_ADVERTISED, "feature-flush-cache is off");
            case BlkifOp.DISCARD -> decodeDiscard();
            case BlkifOp.INDIRECT -> decodeIndirectHeader();
            case BlkifOp.RESERVED_1 -> reject(id, operation, Rule.RESERVED_OPERATION, "BLKIF_OP_RESERVED_1");
            default -> reject(id, operation, Rule.UNKNOWN_OPERATION, "operation " + operation);
        };
    }

    private BlkifDecoded decodeTransfer(long id, int operation, boolean zeroSegmentsAllowed) {
        if (operation != BlkifOp.READ && profile.readOnly()) {
            return reject(id, operation, Rule.READ_ONLY, "operation " + operation + " on a read-only device");
        }
        int count = request.getNrSegments();
        if (count == 0 && !zeroSegmentsAllowed) {
            return reject(id, operation, Rule.NO_SEGMENTS, "nr_segments 0");
        }
        if (count > BlkifLimits.MAX_SEGMENTS_PER_REQUEST) {
            return reject(id, operation, Rule.TOO_MANY_SEGMENTS, "nr_segments " + count);
        }
        List<BlkifSegment> segments = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int first = request.getSegmentFirstSect(i);
            int last = request.getSegmentLastSect(i);
            BlkifRejection bad = checkSegment(id, operation, i, first, last);
            if (bad != null) {
                return bad;
            }
            segments.add(new BlkifSegment(request.getSegmentGref(i), first, last));
        }
        long sector = request.getSectorNumber();
        if (count > 0) {
            BlkifRejection bad = checkRange(id, operation, sector, sectors(segments));
            if (bad != null) {
                return bad;
            }
        }
        return new BlkifRequest.Transfer(id, request.getHandle(), operation, count == 0 ? 0 : sector, segments, false);
    }

    private BlkifDecoded decodeDiscard() {
        discard.wrap(copy, 0);
        long id = request.getId();
        if (!profile.discard()) {
            return reject(id, BlkifOp.DISCARD, Rule.FEATURE_NOT_ADVERTISED, "feature-discard is off");
        }
        if (profile.readOnly()) {
            return reject(id, BlkifOp.DISCARD, Rule.READ_ONLY, "discard on a read-only device");
        }
        boolean secure = (discard.getFlag() & BlkifLimits.DISCARD_SECURE) != 0;
        if (secure && !profile.discardSecure()) {
            return reject(id, BlkifOp.DISCARD, Rule.SECURE_DISCARD_NOT_ADVERTISED, "BLKIF_DISCARD_SECURE");
        }
        long sector = discard.getSectorNumber();
        long count = discard.getNrSectors();
        BlkifRejection bad = checkRange(id, BlkifOp.DISCARD, sector, count);
        if (bad != null) {
            return bad;
        }
        return new BlkifRequest.Discard(id, request.getHandle(), sector, count, secure);
    }

    private BlkifDecoded decodeIndirectHeader() {
        indirect.wrap(copy, 0);
        long id = indirect.getId();
        int inner = indirect.getIndirectOp();
        if (profile.maxIndirectSegments() == 0) {
            return reject(id, inner, Rule.INDIRECT_NOT_ADVERTISED, "feature-max-indirect-segments is off");
        }
        if (inner != BlkifOp.READ && inner != BlkifOp.WRITE) {
            return reject(id, inner, Rule.INDIRECT_BAD_INNER_OPERATION, "indirect_op " + inner);
        }
        if (inner == BlkifOp.WRITE && profile.readOnly()) {
            return reject(id, inner, Rule.READ_ONLY, "indirect write on a read-only device");
        }
        int count = indirect.getNrSegments();
        if (count == 0) {
            return reject(id, inner, Rule.INDIRECT_NO_SEGMENTS, "nr_segments 0");
        }
        if (count > profile.maxIndirectSegments()) {
            return reject(id, inner, Rule.INDIRECT_TOO_MANY_SEGMENTS,
                    "nr_segments " + count + " > " + profile.maxIndirectSegments());
        }
        long sector = indirect.getSectorNumber();
        // At least one sector per segment: a range that cannot hold even that is refused now.
        BlkifRejection bad = checkRange(id, inner, sector, count);
        if (bad != null) {
            return bad;
        }
        int pages = (count + SEGMENTS_PER_INDIRECT_PAGE - 1) / SEGMENTS_PER_INDIRECT_PAGE;
        List<Integer> grefs = new ArrayList<>(pages);
        for (int i = 0; i < pages; i++) {
            grefs.add(indirect.getIndirectGref(i));
        }
        return new BlkifRequest.IndirectHeader(id, indirect.getHandle(), inner, sector, count, grefs);
    }

    /**
     * Decodes the segments of an indirect request from its pages (laid end to end in
     * {@code pages}, 512 entries per page), copying the {@code nrSegments} entries once first.
     *
     * @throws IndexOutOfBoundsException if {@code pages} is shorter than the header's segments
     *                                   (a caller bug: it must copy {@code indirectGrefs().size()} pages)
     */
    public BlkifDecoded decodeIndirectSegments(BlkifRequest.IndirectHeader header, MemorySegment pages) {
        int n = header.nrSegments();
        // A blkif_request_segment is 8 bytes, little-endian: grant ref, first_sect, last_sect,
        // padding. One bulk copy into a long[] and shifts decode it faster than a field read
        // through a memory segment per field (a hot path: every segment of every indirect request).
        MemorySegment.copy(pages, SEGMENT_WORD, 0, segmentWords, 0, n);
        BlkifSegment[] segments = new BlkifSegment[n];
        long sectors = 0;
        for (int i = 0; i < n; i++) {
            long word = segmentWords[i];
            int gref = (int) (word >>> (8 * BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET));
            int first = (int) (word >>> (8 * BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET)) & 0xFF;
            int last = (int) (word >>> (8 * BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET)) & 0xFF;
            BlkifRejection bad = checkSegment(header.id(), header.indirectOp(), i, first, last);
            if (bad != null) {
                return bad;
            }
            segments[i] = new BlkifSegment(gref, first, last);
            sectors += last - first + 1;
        }
        BlkifRejection bad = checkRange(header.id(), header.indirectOp(), header.sectorNumber(), sectors);
        if (bad != null) {
            return bad;
        }
        return new BlkifRequest.Transfer(header.id(), header.handle(), header.indirectOp(), header.sectorNumber(),
                List.of(segments), true);
    }

    /** One segment entry as a word: the x86 ABIs are little-endian, whatever the host is. */
    private static final java.lang.foreign.ValueLayout.OfLong SEGMENT_WORD =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    static BlkifRejection checkSegment(long id, int operation, int index, int first, int last) {
        if (last >= BlkifSegment.SECTORS_PER_PAGE) {
            return reject(id, operation, Rule.SECT_PAST_PAGE, "seg[" + index + "].last_sect " + last);
        }
        if (first > last) {
            return reject(id, operation, Rule.FIRST_SECT_AFTER_LAST,
                    "seg[" + index + "] first_sect " + first + " > last_sect " + last);
        }
        return null;
    }

    /** Sector counts are small here (at most 4096 * 8), so the sum cannot overflow. */
    static long sectors(List<BlkifSegment> segments) {
        long total = 0;
        for (BlkifSegment segment : segments) {
            total += segment.sectors();
        }
        return total;
    }

    BlkifRejection checkRange(long id, int operation, long sector, long count) {
        long end = sector + count;
        if (Long.compareUnsigned(end, sector) < 0 || Long.compareUnsigned(count, Long.MAX_VALUE) > 0) {
            return reject(id, operation, Rule.RANGE_WRAPS, "sector " + Long.toUnsignedString(sector)
                    + " + " + Long.toUnsignedString(count) + " wraps");
        }
        if (Long.compareUnsigned(end, profile.sectors()) > 0) {
            return reject(id, operation, Rule.RANGE_PAST_END, "sectors " + Long.toUnsignedString(sector) + "+"
                    + Long.toUnsignedString(count) + " past the end (" + profile.sectors() + " sectors)");
        }
        long unit = profile.sectorSizeBytes() / SECTOR_BYTES;
        if (((sector | count) & (unit - 1)) != 0) {
            return reject(id, operation, Rule.MISALIGNED, "sectors " + sector + "+" + count
                    + " not aligned to sector-size " + profile.sectorSizeBytes());
        }
        return null;
    }

    static BlkifRejection reject(long id, int operation, Rule rule, String detail) {
        return new BlkifRejection(id, operation, rule, detail);
    }
}
