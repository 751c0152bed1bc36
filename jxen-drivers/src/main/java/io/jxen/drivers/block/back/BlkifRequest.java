package io.jxen.drivers.block.back;

import io.jxen.abi.blkif.BlkifOp;

import java.util.List;

/**
 * A request that passed every check of {@link BlkifRequestDecoder}: immutable, decoded from a
 * private copy, safe to act on. Sector numbers are in 512-byte units (io/blkif.h, as clarified
 * by Xen commit 221f2748e8).
 */
public sealed interface BlkifRequest extends BlkifDecoded {

    /** The virtual device ({@code handle}). */
    int handle();

    /**
     * {@code BLKIF_OP_READ}, {@code WRITE}, {@code WRITE_BARRIER} or {@code FLUSH_DISKCACHE},
     * with its data segments (none for a bare flush or barrier). A request that came as
     * {@code BLKIF_OP_INDIRECT} arrives here with its inner op and all its segments.
     *
     * @param operation    the {@link BlkifOp} to perform
     * @param sectorNumber first disk sector (meaningless when there are no segments)
     * @param segments     the data pages, in disk order
     * @param indirect     it came as {@code BLKIF_OP_INDIRECT}
     */
    record Transfer(long id, int handle, int operation, long sectorNumber, List<BlkifSegment> segments,
                    boolean indirect) implements BlkifRequest {

        /** Copies the segment list. */
        public Transfer {
            segments = List.copyOf(segments);
        }

        @Override
        public int responseOperation() {
            return operation;
        }

        /** Total sectors of all segments. */
        public long totalSectors() {
            long total = 0;
            for (BlkifSegment segment : segments) {
                total += segment.sectors();
            }
            return total;
        }

        /** Disk offset in bytes. */
        public long offsetBytes() {
            return sectorNumber * BlkifRequestDecoder.SECTOR_BYTES;
        }

        /** Data length in bytes. */
        public long lengthBytes() {
            return totalSectors() * BlkifRequestDecoder.SECTOR_BYTES;
        }

        /** True for everything but a read. */
        public boolean writeLike() {
            return operation != BlkifOp.READ;
        }
    }

    /**
     * {@code BLKIF_OP_DISCARD} ({@code struct blkif_request_discard}).
     *
     * @param secure {@code BLKIF_DISCARD_SECURE}: erase so the data cannot be recovered
     */
    record Discard(long id, int handle, long sectorNumber, long nrSectors, boolean secure) implements BlkifRequest {

        @Override
        public int responseOperation() {
            return BlkifOp.DISCARD;
        }

        /** Disk offset in bytes. */
        public long offsetBytes() {
            return sectorNumber * BlkifRequestDecoder.SECTOR_BYTES;
        }

        /** Length in bytes. */
        public long lengthBytes() {
            return nrSectors * BlkifRequestDecoder.SECTOR_BYTES;
        }
    }

    /**
     * The header of a {@code BLKIF_OP_INDIRECT} request: its segments are still in the granted
     * indirect pages. The backend copies those pages once and hands them to
     * {@link BlkifRequestDecoder#decodeIndirectSegments}, which yields the {@link Transfer}.
     *
     * @param indirectOp    the inner op, {@code BLKIF_OP_READ} or {@code WRITE}
     * @param nrSegments    segments in the pages, within the negotiated maximum
     * @param indirectGrefs the grants of the {@code ceil(nrSegments / 512)} pages to read
     */
    record IndirectHeader(long id, int handle, int indirectOp, long sectorNumber, int nrSegments,
                          List<Integer> indirectGrefs) implements BlkifRequest {

        /** Copies the gref list. */
        public IndirectHeader {
            indirectGrefs = List.copyOf(indirectGrefs);
        }

        @Override
        public int responseOperation() {
            return indirectOp;
        }
    }
}
