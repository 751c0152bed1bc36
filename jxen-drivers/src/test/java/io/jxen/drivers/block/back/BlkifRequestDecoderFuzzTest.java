package io.jxen.drivers.block.back;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes {@link BlkifRequestDecoder}, both ABIs, on ring slot bytes (and indirect segment
 * pages) the frontend controls, against a device profile the input also picks.
 *
 * <p>Input format: byte 0 = flags (bit 0 x86_32-abi, 1 read-only, 2 flush, 3 barrier,
 * 4 discard, 5 discard-secure, 6 indirect on, 7 a one-sector-short disk); byte 1 low two bits =
 * log2(sector-size / 512), the rest = disk size exponent; then the slot ({@code slotBytes()},
 * zero-padded), then the indirect pages (zero-padded) when the slot is an indirect header.
 *
 * <p>Property: decoding never throws; it returns a {@link BlkifRejection} with a rule, or a
 * {@link BlkifRequest} that the profile allows (operation advertised, nothing write-like on a
 * read-only disk, segment counts within limits, every sector inside the disk and aligned to
 * sector-size); decoding the same bytes again gives the same result. So no request reaches
 * the I/O engine unless it decoded cleanly.
 */
class BlkifRequestDecoderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void decode(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = data[0] & 0xff;
        int shape = data[1] & 0xff;
        XenAbi abi = (flags & 1) != 0 ? XenAbi.X86_32 : XenAbi.X86_64;
        int sectorSize = 512 << (shape & 3);
        long sectors = (1L << Math.min(shape >> 2, 40)) * (sectorSize / 512) * 8 - ((flags & 0x80) != 0 ? 1 : 0);
        BlkifDeviceProfile profile = new BlkifDeviceProfile(sectors, sectorSize, (flags & 2) != 0, (flags & 4) != 0,
                (flags & 8) != 0, (flags & 16) != 0, (flags & 32) != 0,
                (flags & 64) != 0 ? BlkifDeviceProfile.MAX_INDIRECT_SEGMENTS : 0);
        BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, profile);
        int slotBytes = decoder.slotBytes();
        byte[] slot = Arrays.copyOfRange(data, 2, 2 + slotBytes);
        BlkifDecoded first = decoder.decode(MemorySegment.ofArray(slot), 0);
        BlkifDecoded again = decoder.decode(MemorySegment.ofArray(slot.clone()), 0);
        assertThat(again).isEqualTo(first);
        check(profile, first);
        if (first instanceof BlkifRequest.IndirectHeader header) {
            byte[] pages = Arrays.copyOfRange(data, Math.min(data.length, 2 + slotBytes),
                    2 + slotBytes + header.indirectGrefs().size() * 4096);
            pages = Arrays.copyOf(pages, header.indirectGrefs().size() * 4096);
            BlkifDecoded transfer = decoder.decodeIndirectSegments(header, MemorySegment.ofArray(pages));
            check(profile, transfer);
            if (transfer instanceof BlkifRequest.Transfer t) {
                assertThat(t.indirect()).isTrue();
                assertThat(t.segments()).hasSize(header.nrSegments());
                assertThat(t.operation()).isEqualTo(header.indirectOp());
            }
        }
    }

    private static void check(BlkifDeviceProfile profile, BlkifDecoded decoded) {
        assertThat(decoded).isNotNull();
        long unit = profile.sectorSizeBytes() / 512;
        switch (decoded) {
            case BlkifRejection r -> {
                assertThat(r.rule()).isNotNull();
                r.status();
            }
            case BlkifRequest.Transfer t -> {
                assertThat(t.operation()).isIn(BlkifOp.READ, BlkifOp.WRITE, BlkifOp.WRITE_BARRIER,
                        BlkifOp.FLUSH_DISKCACHE);
                if (t.writeLike()) {
                    assertThat(profile.readOnly()).as("write-like on a read-only disk").isFalse();
                }
                if (t.operation() == BlkifOp.FLUSH_DISKCACHE) {
                    assertThat(profile.flush()).isTrue();
                }
                if (t.operation() == BlkifOp.WRITE_BARRIER) {
                    assertThat(profile.barrier()).isTrue();
                }
                if (t.indirect()) {
                    assertThat(t.segments()).isNotEmpty().hasSizeLessThanOrEqualTo(profile.maxIndirectSegments());
                } else {
                    assertThat(t.segments()).hasSizeLessThanOrEqualTo(BlkifLimits.MAX_SEGMENTS_PER_REQUEST);
                    if (t.segments().isEmpty()) {
                        assertThat(t.operation()).isIn(BlkifOp.WRITE_BARRIER, BlkifOp.FLUSH_DISKCACHE);
                    }
                }
                if (!t.segments().isEmpty()) {
                    inDiskAndAligned(profile, t.sectorNumber(), t.totalSectors(), unit);
                }
            }
            case BlkifRequest.Discard d -> {
                assertThat(profile.discard()).isTrue();
                assertThat(profile.readOnly()).isFalse();
                if (d.secure()) {
                    assertThat(profile.discardSecure()).isTrue();
                }
                inDiskAndAligned(profile, d.sectorNumber(), d.nrSectors(), unit);
            }
            case BlkifRequest.IndirectHeader h -> {
                assertThat(profile.maxIndirectSegments()).isPositive();
                assertThat(h.indirectOp()).isIn(BlkifOp.READ, BlkifOp.WRITE);
                if (h.indirectOp() == BlkifOp.WRITE) {
                    assertThat(profile.readOnly()).isFalse();
                }
                assertThat(h.nrSegments()).isBetween(1, profile.maxIndirectSegments());
                assertThat(h.indirectGrefs()).hasSize((h.nrSegments() + 511) / 512);
                inDiskAndAligned(profile, h.sectorNumber(), h.nrSegments(), unit);
            }
        }
    }

    private static void inDiskAndAligned(BlkifDeviceProfile profile, long sector, long count, long unit) {
        assertThat(sector).as("sector").isNotNegative();
        assertThat(count).as("count").isNotNegative();
        assertThat(sector + count).as("end").isNotNegative().isLessThanOrEqualTo(profile.sectors());
        assertThat(sector % unit).as("sector alignment").isZero();
        assertThat(count % unit).as("count alignment").isZero();
    }
}
