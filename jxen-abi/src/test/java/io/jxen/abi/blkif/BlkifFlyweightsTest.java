package io.jxen.abi.blkif;

import io.jxen.abi.RawBytes;
import io.jxen.abi.XenAbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writes blkif records through the views of each ABI and reads the raw bytes back. */
class BlkifFlyweightsTest {

    private record RequestOffsets(int id, int sector, int seg, int size) {
        static RequestOffsets of(XenAbi abi) {
            return switch (abi) {
                case X86_64 -> new RequestOffsets(BlkifRequestDescriptor.X86_64.ID_OFFSET,
                        BlkifRequestDescriptor.X86_64.SECTOR_NUMBER_OFFSET, BlkifRequestDescriptor.X86_64.SEG_OFFSET,
                        BlkifRequestDescriptor.X86_64.SIZE);
                case X86_32 -> new RequestOffsets(BlkifRequestDescriptor.X86_32.ID_OFFSET,
                        BlkifRequestDescriptor.X86_32.SECTOR_NUMBER_OFFSET, BlkifRequestDescriptor.X86_32.SEG_OFFSET,
                        BlkifRequestDescriptor.X86_32.SIZE);
            };
        }
    }

    @ParameterizedTest
    @EnumSource(XenAbi.class)
    void requestFieldsLandAtTheOffsetsOfTheirAbi(XenAbi abi) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4096, 4096);
            RequestOffsets o = RequestOffsets.of(abi);
            BlkifRequestFlyweight request = new BlkifRequestFlyweight(abi);
            long at = 64 + 2L * o.size(); // the third slot: on x86_32 its id is 4- but not 8-byte aligned

            request.wrap(ring, at);
            request.setOperation(BlkifOp.WRITE);
            request.setNrSegments(BlkifLimits.MAX_SEGMENTS_PER_REQUEST);
            request.setHandle(51712);
            request.setId(0xFEDC_BA98_7654_3210L);
            request.setSectorNumber(1L << 40);
            request.setSegment(0, 8, 0, 7);
            request.setSegment(BlkifLimits.MAX_SEGMENTS_PER_REQUEST - 1, 0x12345, 2, 3);

            assertThat(request.size()).isEqualTo(o.size());
            assertThat(RawBytes.read(ring, at, 1)).isEqualTo(BlkifOp.WRITE);
            assertThat(RawBytes.read(ring, at + 1, 1)).isEqualTo(11);
            assertThat(RawBytes.read(ring, at + 2, 2)).isEqualTo(51712);
            assertThat(RawBytes.read(ring, at + o.id(), 8)).isEqualTo(0xFEDC_BA98_7654_3210L);
            assertThat(RawBytes.read(ring, at + o.sector(), 8)).isEqualTo(1L << 40);
            long last = at + o.seg() + 10L * BlkifRequestSegmentDescriptor.X86_64.SIZE;
            assertThat(RawBytes.read(ring, last + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET, 4)).isEqualTo(0x12345);
            assertThat(RawBytes.read(ring, last + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET, 1)).isEqualTo(2);
            assertThat(RawBytes.read(ring, last + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET, 1)).isEqualTo(3);
            assertThat(request.getSegmentGref(0)).isEqualTo(8);
            assertThat(request.getSegmentLastSect(0)).isEqualTo(7);
            assertThat(request.getSegmentFirstSect(10)).isEqualTo(2);
            assertThat(request.getId()).isEqualTo(0xFEDC_BA98_7654_3210L);
            assertThat(request.getSectorNumber()).isEqualTo(1L << 40);
            assertThat(request.getHandle()).isEqualTo(51712);
            assertThat(request.getOperation()).isEqualTo(BlkifOp.WRITE);
            assertThat(request.getNrSegments()).isEqualTo(11);
            assertThatThrownBy(() -> request.getSegmentGref(BlkifLimits.MAX_SEGMENTS_PER_REQUEST))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void theTwoAbisDisagreeWhereTheHeaderSaysTheyDo() {
        assertThat(BlkifRequestDescriptor.X86_32.ID_OFFSET).isLessThan(BlkifRequestDescriptor.X86_64.ID_OFFSET);
        assertThat(BlkifResponseDescriptor.X86_32.SIZE).isLessThan(BlkifResponseDescriptor.X86_64.SIZE);
        assertThat(BlkifSringDescriptor.X86_64.ENTRY_SIZE).isEqualTo(BlkifRequestDescriptor.X86_64.SIZE);
        assertThat(BlkifSringDescriptor.X86_32.ENTRY_SIZE).isEqualTo(BlkifRequestDescriptor.X86_32.SIZE);
    }

    @ParameterizedTest
    @EnumSource(XenAbi.class)
    void responseFieldsLandAtTheOffsetsOfTheirAbi(XenAbi abi) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4096, 4096);
            BlkifResponseFlyweight response = new BlkifResponseFlyweight(abi).wrap(ring, 64);
            int status = abi == XenAbi.X86_64 ? BlkifResponseDescriptor.X86_64.STATUS_OFFSET
                    : BlkifResponseDescriptor.X86_32.STATUS_OFFSET;
            int operation = abi == XenAbi.X86_64 ? BlkifResponseDescriptor.X86_64.OPERATION_OFFSET
                    : BlkifResponseDescriptor.X86_32.OPERATION_OFFSET;

            response.setId(99);
            response.setOperation(BlkifOp.READ);
            response.setStatus((short) BlkifRsp.EOPNOTSUPP);

            assertThat(RawBytes.read(ring, 64, 8)).isEqualTo(99);
            assertThat(RawBytes.read(ring, 64 + operation, 1)).isEqualTo(BlkifOp.READ);
            assertThat(RawBytes.read(ring, 64 + status, 2)).isEqualTo(0xFFFE);
            assertThat(response.getStatus()).isEqualTo((short) -2);
            assertThat(response.getId()).isEqualTo(99);
            assertThat(response.getOperation()).isEqualTo(BlkifOp.READ);
        }
    }

    @ParameterizedTest
    @EnumSource(XenAbi.class)
    void discardAndIndirectRequests(XenAbi abi) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4096, 4096);
            boolean x64 = abi == XenAbi.X86_64;

            BlkifRequestDiscardFlyweight discard = new BlkifRequestDiscardFlyweight(abi).wrap(ring, 0);
            discard.setFlag(BlkifLimits.DISCARD_SECURE);
            discard.setSectorNumber(2048);
            discard.setNrSectors(8192);
            assertThat(RawBytes.read(ring, x64 ? BlkifRequestDiscardDescriptor.X86_64.FLAG_OFFSET
                    : BlkifRequestDiscardDescriptor.X86_32.FLAG_OFFSET, 1)).isEqualTo(1);
            assertThat(RawBytes.read(ring, x64 ? BlkifRequestDiscardDescriptor.X86_64.SECTOR_NUMBER_OFFSET
                    : BlkifRequestDiscardDescriptor.X86_32.SECTOR_NUMBER_OFFSET, 8)).isEqualTo(2048);
            assertThat(RawBytes.read(ring, x64 ? BlkifRequestDiscardDescriptor.X86_64.NR_SECTORS_OFFSET
                    : BlkifRequestDiscardDescriptor.X86_32.NR_SECTORS_OFFSET, 8)).isEqualTo(8192);
            assertThat(discard.getFlag()).isEqualTo(1);
            assertThat(discard.getSectorNumber()).isEqualTo(2048);
            assertThat(discard.getNrSectors()).isEqualTo(8192);

            BlkifRequestIndirectFlyweight indirect = new BlkifRequestIndirectFlyweight(abi).wrap(ring, 128);
            indirect.setIndirectOp(BlkifOp.READ);
            indirect.setNrSegments(4096);
            indirect.setId(5);
            indirect.setSectorNumber(77);
            indirect.setHandle(768);
            indirect.setIndirectGref(BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST - 1, 4242);
            assertThat(RawBytes.read(ring, 128 + (x64 ? BlkifRequestIndirectDescriptor.X86_64.NR_SEGMENTS_OFFSET
                    : BlkifRequestIndirectDescriptor.X86_32.NR_SEGMENTS_OFFSET), 2)).isEqualTo(4096);
            assertThat(RawBytes.read(ring, 128 + (x64 ? BlkifRequestIndirectDescriptor.X86_64.HANDLE_OFFSET
                    : BlkifRequestIndirectDescriptor.X86_32.HANDLE_OFFSET), 2)).isEqualTo(768);
            assertThat(RawBytes.read(ring, 128 + (x64 ? BlkifRequestIndirectDescriptor.X86_64.INDIRECT_GREFS_OFFSET
                    : BlkifRequestIndirectDescriptor.X86_32.INDIRECT_GREFS_OFFSET) + 7 * 4, 4)).isEqualTo(4242);
            assertThat(indirect.getIndirectOp()).isEqualTo(BlkifOp.READ);
            assertThat(indirect.getNrSegments()).isEqualTo(4096);
            assertThat(indirect.getId()).isEqualTo(5);
            assertThat(indirect.getSectorNumber()).isEqualTo(77);
            assertThat(indirect.getHandle()).isEqualTo(768);
            assertThat(indirect.getIndirectGref(7)).isEqualTo(4242);
            assertThatThrownBy(() -> indirect.getIndirectGref(8)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
