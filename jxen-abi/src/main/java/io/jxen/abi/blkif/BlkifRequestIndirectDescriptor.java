package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct blkif_request_indirect} of io/blkif.h, per ABI: a request whose operation is
 * {@code BLKIF_OP_INDIRECT}; its segments are in the granted indirect pages (512
 * {@code blkif_request_segment}s per page). On x86_32 the header adds a trailing
 * {@code uint64_t pad} so the request is 64-byte aligned there too.
 */
public final class BlkifRequestIndirectDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code operation}: {@code BLKIF_OP_INDIRECT} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "operation")
        public static final int OPERATION_OFFSET = 0;

        /**
         * Offset of {@code indirect_op}: the real operation, {@code BLKIF_OP_READ} or
         * {@code BLKIF_OP_WRITE} (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "indirect_op")
        public static final int INDIRECT_OP_OFFSET = 1;

        /** Offset of {@code nr_segments}: segments in the indirect pages (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "nr_segments")
        public static final int NR_SEGMENTS_OFFSET = 2;

        /** Offset of {@code id}: echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "id")
        public static final int ID_OFFSET = 8;

        /** Offset of {@code sector_number}: first sector on the disk (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "sector_number")
        public static final int SECTOR_NUMBER_OFFSET = 16;

        /** Offset of {@code handle}: the virtual device (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "handle")
        public static final int HANDLE_OFFSET = 24;

        /**
         * Offset of {@code indirect_grefs}: grant references of the indirect pages,
         * {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST} entries (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "indirect_grefs")
        public static final int INDIRECT_GREFS_OFFSET = 28;

        /** Bytes in {@code struct blkif_request_indirect} (io/blkif.h). */
        @XenSizeof("struct blkif_request_indirect")
        public static final int SIZE = 64;

        /**
         * The C alignment of {@code struct blkif_request_indirect}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_indirect)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 8;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code operation}: {@code BLKIF_OP_INDIRECT} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "operation", abi = XenAbi.X86_32)
        public static final int OPERATION_OFFSET = 0;

        /**
         * Offset of {@code indirect_op}: the real operation, {@code BLKIF_OP_READ} or
         * {@code BLKIF_OP_WRITE} (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "indirect_op", abi = XenAbi.X86_32)
        public static final int INDIRECT_OP_OFFSET = 1;

        /** Offset of {@code nr_segments}: segments in the indirect pages (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "nr_segments", abi = XenAbi.X86_32)
        public static final int NR_SEGMENTS_OFFSET = 2;

        /** Offset of {@code id}: echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "id", abi = XenAbi.X86_32)
        public static final int ID_OFFSET = 4;

        /** Offset of {@code sector_number}: first sector on the disk (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "sector_number", abi = XenAbi.X86_32)
        public static final int SECTOR_NUMBER_OFFSET = 12;

        /** Offset of {@code handle}: the virtual device (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "handle", abi = XenAbi.X86_32)
        public static final int HANDLE_OFFSET = 20;

        /**
         * Offset of {@code indirect_grefs}: grant references of the indirect pages,
         * {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST} entries (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request_indirect", member = "indirect_grefs", abi = XenAbi.X86_32)
        public static final int INDIRECT_GREFS_OFFSET = 24;

        /** Bytes in {@code struct blkif_request_indirect} (io/blkif.h). */
        @XenSizeof(value = "struct blkif_request_indirect", abi = XenAbi.X86_32)
        public static final int SIZE = 64;

        /**
         * The C alignment of {@code struct blkif_request_indirect}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_indirect)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        private X86_32() {
        }
    }

    private BlkifRequestIndirectDescriptor() {
    }
}
