package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * The blkif shared ring, {@code struct blkif_sring} of io/ring.h's
 * {@code DEFINE_RING_TYPES(blkif, ...)} in io/blkif.h, per ABI. The header is the one of
 * {@link io.jxen.abi.ring.SharedRingDescriptor}; an entry is the union of a request and a
 * response, so its size is the request's.
 */
public final class BlkifSringDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code ring}: first ring entry (io/ring.h). */
        @XenOffsetof(type = "struct blkif_sring", member = "ring")
        public static final int RING_OFFSET = 64;

        /** Offset of {@code ring[1]}: second ring entry, one entry size further (io/ring.h). */
        @XenOffsetof(type = "struct blkif_sring", member = "ring[1]")
        public static final int RING_1_OFFSET = 176;

        /**
         * Bytes in {@code struct blkif_sring} as C declares it: the header and the one entry of
         * {@code ring[1]}; a real ring fills its pages (io/ring.h).
         */
        @XenSizeof("struct blkif_sring")
        public static final int SIZE = 176;

        /** The C alignment of {@code struct blkif_sring}: where a view of it may start (io/ring.h). */
        @XenConstant(value = "_Alignof(struct blkif_sring)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 8;

        /** Entries of a one-page ring: {@code __CONST_RING_SIZE(blkif, 4096)} (io/ring.h). */
        @XenConstant(value = "__CONST_RING_SIZE(blkif, 4096)", abi = XenAbi.X86_64)
        public static final int ENTRIES_ONE_PAGE = 32;

        /**
         * Entries of a four-page ring ({@code ring-page-order} 2):
         * {@code __CONST_RING_SIZE(blkif, 16384)} (io/ring.h).
         */
        @XenConstant(value = "__CONST_RING_SIZE(blkif, 4 * 4096)", abi = XenAbi.X86_64)
        public static final int ENTRIES_FOUR_PAGES = 128;

        /** Bytes in one ring entry (io/ring.h). */
        @XenSizeof("union blkif_sring_entry")
        public static final int ENTRY_SIZE = 112;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code ring}: first ring entry (io/ring.h). */
        @XenOffsetof(type = "struct blkif_sring", member = "ring", abi = XenAbi.X86_32)
        public static final int RING_OFFSET = 64;

        /** Offset of {@code ring[1]}: second ring entry, one entry size further (io/ring.h). */
        @XenOffsetof(type = "struct blkif_sring", member = "ring[1]", abi = XenAbi.X86_32)
        public static final int RING_1_OFFSET = 172;

        /**
         * Bytes in {@code struct blkif_sring} as C declares it: the header and the one entry of
         * {@code ring[1]}; a real ring fills its pages (io/ring.h).
         */
        @XenSizeof(value = "struct blkif_sring", abi = XenAbi.X86_32)
        public static final int SIZE = 172;

        /** The C alignment of {@code struct blkif_sring}: where a view of it may start (io/ring.h). */
        @XenConstant(value = "_Alignof(struct blkif_sring)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        /** Entries of a one-page ring: {@code __CONST_RING_SIZE(blkif, 4096)} (io/ring.h). */
        @XenConstant(value = "__CONST_RING_SIZE(blkif, 4096)", abi = XenAbi.X86_32)
        public static final int ENTRIES_ONE_PAGE = 32;

        /**
         * Entries of a four-page ring ({@code ring-page-order} 2):
         * {@code __CONST_RING_SIZE(blkif, 16384)} (io/ring.h).
         */
        @XenConstant(value = "__CONST_RING_SIZE(blkif, 4 * 4096)", abi = XenAbi.X86_32)
        public static final int ENTRIES_FOUR_PAGES = 128;

        /** Bytes in one ring entry (io/ring.h). */
        @XenSizeof(value = "union blkif_sring_entry", abi = XenAbi.X86_32)
        public static final int ENTRY_SIZE = 108;

        private X86_32() {
        }
    }

    private BlkifSringDescriptor() {
    }
}
