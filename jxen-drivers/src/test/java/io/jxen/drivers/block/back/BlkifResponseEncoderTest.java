package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.drivers.block.back.BlkifRejection.Rule;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** Responses byte by byte: fields where io/blkif.h puts them, every padding byte zero (XSA-216). */
class BlkifResponseEncoderTest {

    private static byte[] encode(XenAbi abi, long offset, long id, int operation, int status) {
        MemorySegment ring = MemorySegment.ofArray(new long[32]);
        ring.fill((byte) 0xff); // what the request (or an earlier response) left in the slot
        new BlkifResponseEncoder(abi).encode(ring, offset, id, operation, status);
        byte[] all = ring.toArray(ValueLayout.JAVA_BYTE);
        for (int i = 0; i < all.length; i++) {
            if (i < offset || i >= offset + new BlkifResponseEncoder(abi).responseBytes()) {
                assertThat(all[i]).as("byte %d outside the response", i).isEqualTo((byte) 0xff);
            }
        }
        return java.util.Arrays.copyOfRange(all, (int) offset, (int) offset + new BlkifResponseEncoder(abi).responseBytes());
    }

    @Test
    void x86_64ResponseIs16BytesWithPaddingZeroed() {
        byte[] bytes = encode(XenAbi.X86_64, 64, 0x0102030405060708L, BlkifOp.WRITE, BlkifRsp.ERROR);
        assertThat(bytes).containsExactly(
                0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // id
                0x01, 0x00,                                     // operation, pad
                0xff, 0xff,                                     // status -1
                0x00, 0x00, 0x00, 0x00);                        // pad
    }

    @Test
    void x86_32ResponseIs12BytesWithPaddingZeroed() {
        byte[] bytes = encode(XenAbi.X86_32, 64 + 108, 0x0102030405060708L, BlkifOp.FLUSH_DISKCACHE,
                BlkifRsp.EOPNOTSUPP);
        assertThat(bytes).containsExactly(
                0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                0x03, 0x00,
                0xfe, 0xff);
    }

    @Test
    void rejectionAndIndirectEchoTheInnerOperation() {
        MemorySegment ring = MemorySegment.ofArray(new long[4]);
        BlkifResponseEncoder encoder = new BlkifResponseEncoder(XenAbi.X86_64);
        encoder.encode(ring, 0, new BlkifRejection(7, BlkifOp.READ, Rule.INDIRECT_TOO_MANY_SEGMENTS, "x"));
        assertThat(ring.get(ValueLayout.JAVA_BYTE, 8)).isEqualTo((byte) BlkifOp.READ);
        assertThat(ring.get(ValueLayout.JAVA_SHORT_UNALIGNED, 10)).isEqualTo((short) BlkifRsp.ERROR);
        encoder.encode(ring, 0, new BlkifRequest.IndirectHeader(9, 0, BlkifOp.WRITE, 0, 1, java.util.List.of(1)),
                BlkifRsp.OKAY);
        assertThat(ring.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(9);
        assertThat(ring.get(ValueLayout.JAVA_BYTE, 8)).isEqualTo((byte) BlkifOp.WRITE);
        assertThat(ring.get(ValueLayout.JAVA_SHORT_UNALIGNED, 10)).isZero();
    }
}
