package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct blkif_request_discard} of io/blkif.h, per ABI: a request whose operation is
 * {@code BLKIF_OP_DISCARD}.
 */
public final class BlkifRequestDiscardDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code operation}: {@code BLKIF_OP_DISCARD} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "operation")
        public static final int OPERATION_OFFSET = 0;

        /** Offset of {@code flag}: {@code BLKIF_DISCARD_SECURE} or 0 (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "flag")
        public static final int FLAG_OFFSET = 1;

        /** Offset of {@code handle}: the virtual device (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "handle")
        public static final int HANDLE_OFFSET = 2;

        /** Offset of {@code id}: echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "id")
        public static final int ID_OFFSET = 8;

        /** Offset of {@code sector_number}: first sector to discard (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "sector_number")
        public static final int SECTOR_NUMBER_OFFSET = 16;

        /** Offset of {@code nr_sectors}: sectors to discard (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "nr_sectors")
        public static final int NR_SECTORS_OFFSET = 24;

        /** Bytes in {@code struct blkif_request_discard} (io/blkif.h). */
        @XenSizeof("struct blkif_request_discard")
        public static final int SIZE = 32;

        /**
         * The C alignment of {@code struct blkif_request_discard}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_discard)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 8;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code operation}: {@code BLKIF_OP_DISCARD} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "operation", abi = XenAbi.X86_32)
        public static final int OPERATION_OFFSET = 0;

        /** Offset of {@code flag}: {@code BLKIF_DISCARD_SECURE} or 0 (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "flag", abi = XenAbi.X86_32)
        public static final int FLAG_OFFSET = 1;

        /** Offset of {@code handle}: the virtual device (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "handle", abi = XenAbi.X86_32)
        public static final int HANDLE_OFFSET = 2;

        /** Offset of {@code id}: echoed in the response (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "id", abi = XenAbi.X86_32)
        public static final int ID_OFFSET = 4;

        /** Offset of {@code sector_number}: first sector to discard (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "sector_number", abi = XenAbi.X86_32)
        public static final int SECTOR_NUMBER_OFFSET = 12;

        /** Offset of {@code nr_sectors}: sectors to discard (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_discard", member = "nr_sectors", abi = XenAbi.X86_32)
        public static final int NR_SECTORS_OFFSET = 20;

        /** Bytes in {@code struct blkif_request_discard} (io/blkif.h). */
        @XenSizeof(value = "struct blkif_request_discard", abi = XenAbi.X86_32)
        public static final int SIZE = 28;

        /**
         * The C alignment of {@code struct blkif_request_discard}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_discard)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        private X86_32() {
        }
    }

    private BlkifRequestDiscardDescriptor() {
    }
}
