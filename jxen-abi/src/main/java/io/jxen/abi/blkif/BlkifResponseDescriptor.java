package io.jxen.abi.blkif;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct blkif_response} of io/blkif.h, per ABI.
 *
 * <pre>
 *  x86_64 (16 bytes)                 x86_32 (12 bytes)
 *   0 id   8 operation  10 status     0 id   8 operation  10 status
 * </pre>
 */
public final class BlkifResponseDescriptor {

    /** The x86_64 layout ({@code gcc -m64}): {@code uint64_t} is 8-byte aligned. */
    public static final class X86_64 {

        /** Offset of {@code id}: the request's {@code id} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "id")
        public static final int ID_OFFSET = 0;

        /** Offset of {@code operation}: the request's operation (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "operation")
        public static final int OPERATION_OFFSET = 8;

        /** Offset of {@code status}: {@code BLKIF_RSP_*} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "status")
        public static final int STATUS_OFFSET = 10;

        /** Bytes in {@code struct blkif_response} (io/blkif.h). */
        @XenSizeof("struct blkif_response")
        public static final int SIZE = 16;

        /**
         * The C alignment of {@code struct blkif_response}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_response)", abi = XenAbi.X86_64)
        public static final int ALIGNMENT = 8;

        private X86_64() {
        }
    }

    /**
     * The x86_32 layout ({@code gcc -m32}, arch-x86/xen-x86_32.h): {@code uint64_t} is only 4-byte
     * aligned.
     */
    public static final class X86_32 {

        /** Offset of {@code id}: the request's {@code id} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "id", abi = XenAbi.X86_32)
        public static final int ID_OFFSET = 0;

        /** Offset of {@code operation}: the request's operation (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "operation", abi = XenAbi.X86_32)
        public static final int OPERATION_OFFSET = 8;

        /** Offset of {@code status}: {@code BLKIF_RSP_*} (io/blkif.h). */
        @XenOffsetof(type = "struct blkif_response", member = "status", abi = XenAbi.X86_32)
        public static final int STATUS_OFFSET = 10;

        /** Bytes in {@code struct blkif_response} (io/blkif.h). */
        @XenSizeof(value = "struct blkif_response", abi = XenAbi.X86_32)
        public static final int SIZE = 12;

        /**
         * The C alignment of {@code struct blkif_response}: where a view of it may start
         * (io/blkif.h).
         */
        @XenConstant(value = "_Alignof(struct blkif_response)", abi = XenAbi.X86_32)
        public static final int ALIGNMENT = 4;

        private X86_32() {
        }
    }

    private BlkifResponseDescriptor() {
    }
}
