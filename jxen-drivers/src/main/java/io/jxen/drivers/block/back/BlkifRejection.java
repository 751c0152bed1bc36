package io.jxen.drivers.block.back;

import io.jxen.abi.blkif.BlkifRsp;

/**
 * A request the backend refuses, with everything its response needs. Never drop a request
 * silently: the frontend's slot would leak forever (block.md section 5).
 *
 * @param id                the frontend's {@code id}, echoed
 * @param responseOperation the operation echoed (the inner op for indirect)
 * @param rule              which check failed
 * @param detail            a line for the log naming the offending values
 */
public record BlkifRejection(long id, int responseOperation, Rule rule, String detail) implements BlkifDecoded {

    /** {@code BLKIF_RSP_ERROR} or {@code BLKIF_RSP_EOPNOTSUPP}, from the rule. */
    public int status() {
        return rule.status();
    }

    /** The catalogue of hostile-frontend checks (block.md sections 2 and 5), each with its status. */
    public enum Rule {
        /** {@code operation} is none of {@code BLKIF_OP_*} (Linux answers EOPNOTSUPP). */
        UNKNOWN_OPERATION(BlkifRsp.EOPNOTSUPP),
        /** {@code BLKIF_OP_RESERVED_1} (SLES device-specific packets). */
        RESERVED_OPERATION(BlkifRsp.EOPNOTSUPP),
        /** Barrier, flush or discard without its {@code feature-*} key advertised. */
        FEATURE_NOT_ADVERTISED(BlkifRsp.EOPNOTSUPP),
        /** {@code BLKIF_OP_INDIRECT} without {@code feature-max-indirect-segments}. */
        INDIRECT_NOT_ADVERTISED(BlkifRsp.EOPNOTSUPP),
        /** {@code BLKIF_DISCARD_SECURE} without {@code discard-secure}. */
        SECURE_DISCARD_NOT_ADVERTISED(BlkifRsp.EOPNOTSUPP),
        /** Write, barrier, flush, discard or indirect write on a {@code mode=r} device (CVE-2013-2140, XSA-142). */
        READ_ONLY(BlkifRsp.ERROR),
        /** A read or write with {@code nr_segments == 0}. */
        NO_SEGMENTS(BlkifRsp.ERROR),
        /**
         * {@code nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST} (11), or over the negotiated
         * {@code max-request-segments} of FreeBSD's request-size extension.
         */
        TOO_MANY_SEGMENTS(BlkifRsp.ERROR),
        /** Request-size extension: more data than the negotiated {@code max-request-size}. */
        REQUEST_TOO_LARGE(BlkifRsp.ERROR),
        /** {@code indirect_op} is not {@code BLKIF_OP_READ} or {@code WRITE}. */
        INDIRECT_BAD_INNER_OPERATION(BlkifRsp.ERROR),
        /** An indirect request with {@code nr_segments == 0}. */
        INDIRECT_NO_SEGMENTS(BlkifRsp.ERROR),
        /** An indirect request over the negotiated {@code feature-max-indirect-segments}. */
        INDIRECT_TOO_MANY_SEGMENTS(BlkifRsp.ERROR),
        /** {@code first_sect > last_sect}. */
        FIRST_SECT_AFTER_LAST(BlkifRsp.ERROR),
        /** {@code last_sect > 7}: the segment would cross its 4 KiB grant. */
        SECT_PAST_PAGE(BlkifRsp.ERROR),
        /** {@code sector_number + sectors} overflows 64 bits. */
        RANGE_WRAPS(BlkifRsp.ERROR),
        /** The range ends past the disk's {@code sectors}. */
        RANGE_PAST_END(BlkifRsp.ERROR),
        /** Start or length not a multiple of {@code sector-size} when it exceeds 512. */
        MISALIGNED(BlkifRsp.ERROR);

        private final int status;

        Rule(int status) {
            this.status = status;
        }

        /** The {@code BLKIF_RSP_*} the response carries. */
        public int status() {
            return status;
        }
    }
}
