package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRsp;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fuzzing frontend: whatever bytes sit in a request slot (or in indirect pages), the decoder
 * answers with a clean verdict, never an exception, and whatever it accepts is safe to act on.
 */
class BlkifRequestDecoderProperties {

    @Provide
    Arbitrary<BlkifDeviceProfile> profiles() {
        return Combinators.combine(Arbitraries.longs().between(0, 1L << 40), Arbitraries.of(512, 1024, 4096),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.integers().between(0, 4096))
                .as(BlkifDeviceProfile::new);
    }

    @Property(tries = 3000)
    void arbitraryBytesGiveAVerdictNeverAnException(@ForAll @Size(112) byte[] bytes, @ForAll XenAbi abi,
                                                    @ForAll("profiles") BlkifDeviceProfile profile,
                                                    @ForAll @IntRange(min = 0, max = 7) int operation) {
        MemorySegment slot = MemorySegment.ofArray(new long[14]);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, slot, 0, 112);
        // Half of the time keep the random operation byte, otherwise steer to a real one so the
        // deeper checks run too.
        if ((bytes[0] & 1) == 0) {
            slot.set(ValueLayout.JAVA_BYTE, 0, (byte) operation);
        }
        BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, profile);
        BlkifDecoded decoded = decoder.decode(slot, 0);
        assertThat(decoded.id()).isEqualTo(new BlkifRequestFlyweight(abi).wrap(slot, 0).getId());
        checkVerdict(decoded, profile);
        if (decoded instanceof BlkifRequest.IndirectHeader header) {
            MemorySegment pages = MemorySegment.ofArray(new long[header.indirectGrefs().size() * 512]);
            for (long i = 0; i < pages.byteSize(); i++) {
                pages.set(ValueLayout.JAVA_BYTE, i, bytes[(int) (i % bytes.length)]);
            }
            checkVerdict(decoder.decodeIndirectSegments(header, pages), profile);
        }
    }

    @Property(tries = 3000)
    void plausibleRequestsNearTheDiskEndAreCheckedExactly(@ForAll XenAbi abi, @ForAll("profiles") BlkifDeviceProfile profile,
                                                          @ForAll @IntRange(min = 0, max = 6) int operation,
                                                          @ForAll @IntRange(min = 0, max = 12) int count,
                                                          @ForAll @LongRange(min = -100, max = 100) long nearEnd,
                                                          @ForAll @Size(12) int[] firsts, @ForAll @Size(12) int[] lasts) {
        int[][] segments = new int[Math.min(count, 11)][];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = new int[] {Math.floorMod(firsts[i], 10), Math.floorMod(lasts[i], 10)};
        }
        MemorySegment slot = RequestSlots.transfer(abi, operation, 42, profile.sectors() + nearEnd, segments);
        if (count == 12) {
            RequestSlots.withSegmentCount(slot, abi, 12);
        }
        BlkifDecoded decoded = new BlkifRequestDecoder(abi, profile).decode(slot, 0);
        checkVerdict(decoded, profile);
        boolean segmentsOk = count <= 11;
        long total = 0;
        for (int[] s : segments) {
            segmentsOk &= s[0] <= s[1] && s[1] <= 7;
            total += s[1] - s[0] + 1;
        }
        boolean dataOp = operation == BlkifOp.READ || operation == BlkifOp.WRITE;
        boolean plainTransfer = dataOp && count > 0 && segmentsOk && !(operation == BlkifOp.WRITE && profile.readOnly());
        long sector = profile.sectors() + nearEnd;
        long unit = profile.sectorSizeBytes() / 512;
        boolean inRange = sector >= 0 && sector + total <= profile.sectors() && ((sector | total) & (unit - 1)) == 0;
        if (plainTransfer) {
            assertThat(decoded instanceof BlkifRequest).as("%s", decoded).isEqualTo(inRange);
        }
    }

    private static void checkVerdict(BlkifDecoded decoded, BlkifDeviceProfile profile) {
        switch (decoded) {
            case BlkifRejection rejection -> assertThat(rejection.status()).isIn(BlkifRsp.ERROR, BlkifRsp.EOPNOTSUPP);
            case BlkifRequest.Transfer transfer -> {
                assertThat(transfer.segments().size()).isLessThanOrEqualTo(transfer.indirect()
                        ? profile.maxIndirectSegments() : 11);
                if (transfer.operation() == BlkifOp.READ || transfer.operation() == BlkifOp.WRITE) {
                    assertThat(transfer.segments()).isNotEmpty();
                }
                if (!transfer.segments().isEmpty()) {
                    assertThat(transfer.sectorNumber()).isNotNegative();
                    assertThat(transfer.sectorNumber() + transfer.totalSectors()).isLessThanOrEqualTo(profile.sectors());
                }
                assertThat(profile.readOnly() && transfer.writeLike()).isFalse();
                assertThat(transfer.operation()).isIn(BlkifOp.READ, BlkifOp.WRITE, BlkifOp.WRITE_BARRIER,
                        BlkifOp.FLUSH_DISKCACHE);
                if (transfer.operation() == BlkifOp.FLUSH_DISKCACHE) {
                    assertThat(profile.flush()).isTrue();
                }
                if (transfer.operation() == BlkifOp.WRITE_BARRIER) {
                    assertThat(profile.barrier()).isTrue();
                }
            }
            case BlkifRequest.Discard discard -> {
                assertThat(profile.discard() && !profile.readOnly()).isTrue();
                assertThat(discard.sectorNumber()).isNotNegative();
                assertThat(discard.nrSectors()).isNotNegative();
                assertThat(discard.sectorNumber() + discard.nrSectors()).isLessThanOrEqualTo(profile.sectors());
            }
            case BlkifRequest.IndirectHeader header -> {
                assertThat(header.nrSegments()).isBetween(1, profile.maxIndirectSegments());
                assertThat(header.indirectGrefs()).hasSize((header.nrSegments() + 511) / 512);
                assertThat(header.indirectOp()).isIn(BlkifOp.READ, BlkifOp.WRITE);
            }
        }
    }
}
