package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct blkif_request} of io/blkif.h, per ABI. {@code id} is a {@code uint64_t}, so everything
 * after it moves when 32-bit x86 aligns it to 4 instead of 8:
 *
 * <pre>
 *  x86_64 (112 bytes)                              x86_32 (108 bytes)
 *   0 operation  1 nr_segments  2 handle            0 operation  1 nr_segments  2 handle
 *   8 id                                            4 id
 *  16 sector_number                                12 sector_number
 *  24 seg[0..10], 8 bytes each                     20 seg[0..10], 8 bytes each
 * </pre>
 */
public final class BlkifRequestDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code operation}: {@code BLKIF_OP_*} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "operation")
        public static final int OPERATION_OFFSET = 0;

        /**
         * Offset of {@code nr_segments}: segments used, at most
         * {@code BLKIF_MAX_SEGMENTS_PER_REQUEST} (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request", member = "nr_segments")
        public static final int NR_SEGMENTS_OFFSET = 1;

        /** Offset of {@code handle}: the virtual device ({@code blkif_vdev_t}) (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "handle")
        public static final int HANDLE_OFFSET = 2;

        /** Offset of {@code id}: private to the frontend, echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "id")
        public static final int ID_OFFSET = 8;

        /**
         * Offset of {@code sector_number}: first sector on the disk, in 512-byte units
         * (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request", member = "sector_number")
        public static final int SECTOR_NUMBER_OFFSET = 16;

        /** Offset of {@code seg}: the segment array (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "seg")
        public static final int SEG_OFFSET = 24;

        /** Offset of {@code seg[1]}: the second segment: proves the stride (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "seg[1]")
        public static final int SEG_1_OFFSET = 32;

        /** Bytes in {@code struct blkif_request} (io/blkif.h). */
        @XenSizeof("struct blkif_request")
        public static final int SIZE = 112;

        /**
         * The C alignment of {@code struct blkif_request}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 8;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code operation}: {@code BLKIF_OP_*} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "operation", abi = XenAbi.X86_32)
        public static final int OPERATION_OFFSET = 0;

        /**
         * Offset of {@code nr_segments}: segments used, at most
         * {@code BLKIF_MAX_SEGMENTS_PER_REQUEST} (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request", member = "nr_segments", abi = XenAbi.X86_32)
        public static final int NR_SEGMENTS_OFFSET = 1;

        /** Offset of {@code handle}: the virtual device ({@code blkif_vdev_t}) (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "handle", abi = XenAbi.X86_32)
        public static final int HANDLE_OFFSET = 2;

        /** Offset of {@code id}: private to the frontend, echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "id", abi = XenAbi.X86_32)
        public static final int ID_OFFSET = 4;

        /**
         * Offset of {@code sector_number}: first sector on the disk, in 512-byte units
         * (io/blkif.h).
         */
        @XenOffsetof(type = "struct blkif_request", member = "sector_number", abi = XenAbi.X86_32)
        public static final int SECTOR_NUMBER_OFFSET = 12;

        /** Offset of {@code seg}: the segment array (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "seg", abi = XenAbi.X86_32)
        public static final int SEG_OFFSET = 20;

        /** Offset of {@code seg[1]}: the second segment: proves the stride (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request", member = "seg[1]", abi = XenAbi.X86_32)
        public static final int SEG_1_OFFSET = 28;

        /** Bytes in {@code struct blkif_request} (io/blkif.h). */
        @XenSizeof(value = "struct blkif_request", abi = XenAbi.X86_32)
        public static final int SIZE = 108;

        /**
         * The C alignment of {@code struct blkif_request}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        private X86_32() {
        }
    }

    private BlkifRequestDescriptor() {
    }
}
