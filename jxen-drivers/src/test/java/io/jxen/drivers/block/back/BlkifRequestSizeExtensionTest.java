package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The request-size extension's arithmetic and negotiation, and its decoder against the standard
 * one: FreeBSD's {@code BLKIF_SEGS_TO_BLOCKS} for every count, the limits a frontend may ask for,
 * and the same verdict as the standard decoder for every request the standard protocol can carry.
 */
class BlkifRequestSizeExtensionTest {

    /** {@code BLKIF_SEGS_TO_BLOCKS} as the FreeBSD header writes it, in C's integer arithmetic. */
    private static int segsToBlocksC(int segs) {
        int numerator = segs - 11 + (14 - 1);
        return numerator / 14 + 1; // C truncates toward zero, as Java does
    }

    @Test
    void slotCountsAreFreeBsdsSegsToBlocksForEveryCount() {
        for (int n = 0; n <= 255; n++) {
            assertThat(BlkifSegmentBlocks.slots(n)).as("nr_segments %d", n).isEqualTo(segsToBlocksC(n));
        }
        assertThat(BlkifSegmentBlocks.slots(11)).isEqualTo(1);
        assertThat(BlkifSegmentBlocks.slots(12)).isEqualTo(2);
        assertThat(BlkifSegmentBlocks.slots(25)).isEqualTo(2);
        assertThat(BlkifSegmentBlocks.slots(26)).isEqualTo(3);
        assertThat(BlkifSegmentBlocks.MAX_SLOTS_PER_REQUEST).isEqualTo(19);
        assertThat(BlkifSegmentBlocks.slotsOf(BlkifOp.DISCARD, 255)).isEqualTo(1);
        assertThat(BlkifSegmentBlocks.slotsOf(BlkifOp.INDIRECT, 200)).isEqualTo(1);
        assertThat(BlkifSegmentBlocks.slotsOf(7, 40)).as("unknown op: as FreeBSD, by byte 1").isEqualTo(4);
        assertThatThrownBy(() -> BlkifSegmentBlocks.slots(256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSegmentBlockIsExactlyOneX86_64SlotAndTooBigForX86_32() {
        assertThat(BlkifSegmentBlocks.SEGMENTS_PER_SEGMENT_BLOCK * BlkifSegmentBlocks.SEGMENT_BYTES)
                .isEqualTo(BlkifSringDescriptor.X86_64.ENTRY_SIZE)
                .isGreaterThan(BlkifSringDescriptor.X86_32.ENTRY_SIZE);
        assertThat(BlkifSegmentBlocks.blockOffset(11, 112)).isZero();
        assertThat(BlkifSegmentBlocks.blockOffset(24, 112)).isEqualTo(13 * 8);
        assertThat(BlkifSegmentBlocks.blockOffset(25, 112)).isEqualTo(112);
        assertThat(BlkifSegmentBlocks.blockOffset(254, 112)).isEqualTo(17 * 112 + 5 * 8);
    }

    @Test
    void theOfferCoversTheLargestRing() {
        assertThat(BlkifRequestSizeExtension.offer(1, 255))
                .isEqualTo(new BlkifRequestSizeExtension(32, 255, 255 * 4096L));
        assertThat(BlkifRequestSizeExtension.offer(16, 255).maxRequests()).isEqualTo(512);
        for (int pages = 1; pages <= 16; pages *= 2) {
            assertThat(BlkifRequestSizeExtension.ringRequests(pages))
                    .isEqualTo(SharedRingDescriptor.entries(pages, BlkifSringDescriptor.X86_32.ENTRY_SIZE));
        }
    }

    @Test
    void negotiationTakesTheFrontendsValuesWithinTheOffer() {
        BlkifRequestSizeExtension offer = BlkifRequestSizeExtension.offer(4, 255);
        assertThat(BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, 128, 255, 254 * 4096L))
                .isEqualTo(new BlkifRequestSizeExtension(128, 255, 254 * 4096L));
        // Absent keys: 11 segments, a one-page ring's requests, the segments' full pages.
        assertThat(BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, -1, -1))
                .isEqualTo(new BlkifRequestSizeExtension(32, 11, 11 * 4096L));
        assertThat(BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, 64, -1))
                .isEqualTo(new BlkifRequestSizeExtension(32, 64, 64 * 4096L));
        // A 32-bit frontend may use the keys but not segment blocks.
        assertThat(BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_32, 32, 11, -1).maxRequestSegments())
                .isEqualTo(11);
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_32, 32, 12, -1))
                .hasMessageContaining("x86_32");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, 256, -1))
                .hasMessageContaining("max-request-segments 256 exceeds backend limit of 255");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, 0, -1))
                .hasMessageContaining("max-request-segments 0");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, 129, -1, -1))
                .hasMessageContaining("max-requests 129 exceeds backend limit of 128");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, 16, 16 * 4096L + 1))
                .hasMessageContaining("max-request-size");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, -1, -1, 0))
                .hasMessageContaining("max-request-size 0");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(BlkifRequestSizeExtension.offer(1, 32),
                XenAbi.X86_64, -1, 33, -1)).hasMessageContaining("exceeds backend limit of 32");
        assertThatThrownBy(() -> BlkifRequestSizeExtension.negotiate(offer, XenAbi.X86_64, Long.MAX_VALUE, -1, -1))
                .hasMessageContaining("max-requests");
    }

    /**
     * Whatever one slot holds, a request the standard protocol can carry (its operation's slot
     * count is 1) gets the same verdict from the extension's decoder at full limits as from the
     * standard decoder: the extension changes nothing for such requests.
     */
    @Test
    void oneSlotRequestsGetTheStandardVerdict() {
        Seeds.run(seed -> {
            Random random = new Random(seed);
            BlkifDeviceProfile[] profiles = {BlkifValidationCatalogueTest.DISK, BlkifValidationCatalogueTest.READ_ONLY,
                BlkifValidationCatalogueTest.NO_FEATURES, BlkifValidationCatalogueTest.SECTOR_4K};
            for (int i = 0; i < 20_000; i++) {
                XenAbi abi = random.nextBoolean() ? XenAbi.X86_64 : XenAbi.X86_32;
                BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, profiles[random.nextInt(profiles.length)]);
                SegmentBlockReader reader = new SegmentBlockReader(decoder, new BlkifRequestSizeExtension(32,
                        abi == XenAbi.X86_64 ? 255 : 11, (abi == XenAbi.X86_64 ? 255 : 11) * 4096L), decoder.slotBytes());
                MemorySegment slot = MemorySegment.ofArray(new long[14]);
                for (long at = 0; at < slot.byteSize(); at++) {
                    slot.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) random.nextInt());
                }
                int op = random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(7);
                int count = random.nextInt(12);
                if (random.nextInt(8) == 0) {
                    count = random.nextInt(256);
                }
                slot.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) op);
                slot.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 1, (byte) count);
                if (random.nextBoolean()) { // often plausible sectors, so that accepted requests occur
                    slot.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, abi == XenAbi.X86_64 ? 16 : 12,
                            (long) random.nextInt(64) * 8);
                    for (int s = 0; s < 11; s++) {
                        int at = (abi == XenAbi.X86_64 ? 24 : 20) + s * 8;
                        slot.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 4, (byte) 0);
                        slot.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 5, (byte) 7);
                    }
                }
                if (BlkifSegmentBlocks.slotsOf(op, count) != 1) {
                    continue;
                }
                BlkifDecoded standard = decoder.decode(slot, 0);
                BlkifDecoded extended = reader.decode(slot, op, count);
                assertThat(extended).as("op %d nr_segments %d", op, count).isEqualTo(standard);
            }
        });
    }
}
