package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct blkif_request_segment} of io/blkif.h: one granted page and the sectors of it to
 * transfer (sector units of 512 bytes, {@code first_sect <= last_sect <= 7}). Same layout on both
 * ABIs.
 */
public final class BlkifRequestSegmentDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code gref}: the grant reference of the page (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "gref")
        public static final int GREF_OFFSET = 0;

        /** Offset of {@code first_sect}: first sector of the page to transfer (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "first_sect")
        public static final int FIRST_SECT_OFFSET = 4;

        /** Offset of {@code last_sect}: last sector (inclusive) (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "last_sect")
        public static final int LAST_SECT_OFFSET = 5;

        /** Bytes in {@code struct blkif_request_segment} (io/blkif.h). */
        @XenSizeof("struct blkif_request_segment")
        public static final int SIZE = 8;

        /**
         * The C alignment of {@code struct blkif_request_segment}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_segment)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 4;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code gref}: the grant reference of the page (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "gref", abi = XenAbi.X86_32)
        public static final int GREF_OFFSET = 0;

        /** Offset of {@code first_sect}: first sector of the page to transfer (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "first_sect", abi = XenAbi.X86_32)
        public static final int FIRST_SECT_OFFSET = 4;

        /** Offset of {@code last_sect}: last sector (inclusive) (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_request_segment", member = "last_sect", abi = XenAbi.X86_32)
        public static final int LAST_SECT_OFFSET = 5;

        /** Bytes in {@code struct blkif_request_segment} (io/blkif.h). */
        @XenSizeof(value = "struct blkif_request_segment", abi = XenAbi.X86_32)
        public static final int SIZE = 8;

        /**
         * The C alignment of {@code struct blkif_request_segment}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_request_segment)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        private X86_32() {
        }
    }

    private BlkifRequestSegmentDescriptor() {
    }
}
