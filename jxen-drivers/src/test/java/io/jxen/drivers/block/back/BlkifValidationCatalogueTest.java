package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.drivers.block.back.BlkifRejection.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static io.jxen.drivers.block.back.RequestSlots.discard;
import static io.jxen.drivers.block.back.RequestSlots.fullPages;
import static io.jxen.drivers.block.back.RequestSlots.indirect;
import static io.jxen.drivers.block.back.RequestSlots.indirectPages;
import static io.jxen.drivers.block.back.RequestSlots.transfer;
import static io.jxen.drivers.block.back.RequestSlots.withSegmentCount;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every hostile-frontend rule of issue 7 as a case (block.md sections 2 and 5), each run for
 * both protocols. A case names the request, the device it is sent to, and the verdict: the
 * rule that refuses it (with the status and echoed operation of the response) or acceptance.
 */
class BlkifValidationCatalogueTest {

    /** 1 MiB disk: 2048 sectors; flush, barrier, discard, 32 indirect segments. */
    static final BlkifDeviceProfile DISK = new BlkifDeviceProfile(2048, 512, false, true, true, true, false, 32);
    static final BlkifDeviceProfile READ_ONLY = new BlkifDeviceProfile(2048, 512, true, true, true, true, false, 32);
    static final BlkifDeviceProfile NO_FEATURES = new BlkifDeviceProfile(2048, 512, false, false, false, false, false, 0);
    static final BlkifDeviceProfile SECTOR_4K = new BlkifDeviceProfile(2048, 4096, false, true, true, true, false, 32);

    static final long ID = 0x1122_3344_5566_7788L;

    /** One case: how to decode it on a given ABI, and the expected verdict (null rule: accepted). */
    record Case(String name, BlkifDeviceProfile profile, BiFunction<XenAbi, BlkifRequestDecoder, BlkifDecoded> decode,
                Rule rule, int echoedOperation) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case slot(String name, BlkifDeviceProfile profile, java.util.function.Function<XenAbi,
            java.lang.foreign.MemorySegment> build, Rule rule, int echoed) {
        return new Case(name, profile, (abi, decoder) -> decoder.decode(build.apply(abi), 0), rule, echoed);
    }

    private static Case indirectSegments(String name, int inner, long sector, int[][] segments, Rule rule) {
        return new Case(name, DISK, (abi, decoder) -> {
            BlkifDecoded header = decoder.decode(indirect(abi, inner, ID, sector, segments.length), 0);
            if (!(header instanceof BlkifRequest.IndirectHeader h)) {
                return header;
            }
            return decoder.decodeIndirectSegments(h, indirectPages(segments));
        }, rule, inner);
    }

    static List<Case> catalogue() {
        int r = BlkifOp.READ;
        int w = BlkifOp.WRITE;
        int b = BlkifOp.WRITE_BARRIER;
        int f = BlkifOp.FLUSH_DISKCACHE;
        int d = BlkifOp.DISCARD;
        List<Case> cases = new ArrayList<>();
        // Accepted requests: the rules must not refuse what Linux blkfront sends.
        cases.add(slot("read one page", DISK, abi -> transfer(abi, r, ID, 0, fullPages(1)), null, r));
        cases.add(slot("write 11 segments", DISK, abi -> transfer(abi, w, ID, 8, fullPages(11)), null, w));
        cases.add(slot("write partial sectors 3..5", DISK, abi -> transfer(abi, w, ID, 0, new int[][] {{3, 5}}), null, w));
        cases.add(slot("write ending exactly at the disk end", DISK,
                abi -> transfer(abi, w, ID, 2048 - 16, fullPages(2)), null, w));
        cases.add(slot("bare flush", DISK, abi -> transfer(abi, f, ID, 0, fullPages(0)), null, f));
        cases.add(slot("flush with data", DISK, abi -> transfer(abi, f, ID, 16, fullPages(1)), null, f));
        cases.add(slot("bare barrier", DISK, abi -> transfer(abi, b, ID, 0, fullPages(0)), null, b));
        cases.add(slot("discard", DISK, abi -> discard(abi, ID, 8, 2040, 0), null, d));
        cases.add(slot("empty discard", DISK, abi -> discard(abi, ID, 2048, 0, 0), null, d));
        cases.add(slot("read on a read-only device", READ_ONLY, abi -> transfer(abi, r, ID, 0, fullPages(4)), null, r));
        cases.add(slot("indirect read header", DISK, abi -> indirect(abi, r, ID, 0, 32), null, r));
        cases.add(indirectSegments("indirect write with its segments", w, 0, fullPages(32), null));
        cases.add(indirectSegments("indirect read ending at the disk end", r, 2048 - 256, fullPages(32), null));
        cases.add(slot("aligned write on a 4 KiB-sector disk", SECTOR_4K,
                abi -> transfer(abi, w, ID, 8, fullPages(1)), null, w));

        // Operations.
        cases.add(slot("operation 7 is unknown", DISK, abi -> transfer(abi, 7, ID, 0, fullPages(1)),
                Rule.UNKNOWN_OPERATION, 7));
        cases.add(slot("operation 255 is unknown", DISK, abi -> transfer(abi, 255, ID, 0, fullPages(1)),
                Rule.UNKNOWN_OPERATION, 255));
        cases.add(slot("BLKIF_OP_RESERVED_1", DISK, abi -> transfer(abi, BlkifOp.RESERVED_1, ID, 0, fullPages(1)),
                Rule.RESERVED_OPERATION, BlkifOp.RESERVED_1));
        cases.add(slot("barrier without feature-barrier", NO_FEATURES, abi -> transfer(abi, b, ID, 0, fullPages(0)),
                Rule.FEATURE_NOT_ADVERTISED, b));
        cases.add(slot("flush without feature-flush-cache", NO_FEATURES, abi -> transfer(abi, f, ID, 0, fullPages(0)),
                Rule.FEATURE_NOT_ADVERTISED, f));
        cases.add(slot("discard without feature-discard", NO_FEATURES, abi -> discard(abi, ID, 0, 8, 0),
                Rule.FEATURE_NOT_ADVERTISED, d));
        cases.add(slot("indirect without feature-max-indirect-segments", NO_FEATURES,
                abi -> indirect(abi, r, ID, 0, 8), Rule.INDIRECT_NOT_ADVERTISED, r));
        cases.add(slot("secure discard without discard-secure", DISK, abi -> discard(abi, ID, 0, 8, 1),
                Rule.SECURE_DISCARD_NOT_ADVERTISED, d));

        // Read-only: every write-like operation (CVE-2013-2140: discard too).
        cases.add(slot("write on a read-only device", READ_ONLY, abi -> transfer(abi, w, ID, 0, fullPages(1)),
                Rule.READ_ONLY, w));
        cases.add(slot("barrier on a read-only device", READ_ONLY, abi -> transfer(abi, b, ID, 0, fullPages(0)),
                Rule.READ_ONLY, b));
        cases.add(slot("bare flush on a read-only device", READ_ONLY, abi -> transfer(abi, f, ID, 0, fullPages(0)),
                Rule.READ_ONLY, f));
        cases.add(slot("discard on a read-only device", READ_ONLY, abi -> discard(abi, ID, 0, 8, 0),
                Rule.READ_ONLY, d));
        cases.add(slot("indirect write on a read-only device", READ_ONLY, abi -> indirect(abi, w, ID, 0, 8),
                Rule.READ_ONLY, w));

        // Segment counts.
        cases.add(slot("read with no segments", DISK, abi -> transfer(abi, r, ID, 0, fullPages(0)),
                Rule.NO_SEGMENTS, r));
        cases.add(slot("write with no segments", DISK, abi -> transfer(abi, w, ID, 0, fullPages(0)),
                Rule.NO_SEGMENTS, w));
        cases.add(slot("12 segments", DISK, abi -> withSegmentCount(transfer(abi, w, ID, 0, fullPages(11)), abi, 12),
                Rule.TOO_MANY_SEGMENTS, w));
        cases.add(slot("255 segments", DISK, abi -> withSegmentCount(transfer(abi, r, ID, 0, fullPages(11)), abi, 255),
                Rule.TOO_MANY_SEGMENTS, r));
        cases.add(slot("flush with 12 segments", DISK,
                abi -> withSegmentCount(transfer(abi, f, ID, 0, fullPages(11)), abi, 12), Rule.TOO_MANY_SEGMENTS, f));

        // Indirect header.
        cases.add(slot("indirect with inner op barrier", DISK, abi -> indirect(abi, b, ID, 0, 8),
                Rule.INDIRECT_BAD_INNER_OPERATION, b));
        cases.add(slot("indirect with inner op indirect", DISK, abi -> indirect(abi, BlkifOp.INDIRECT, ID, 0, 8),
                Rule.INDIRECT_BAD_INNER_OPERATION, BlkifOp.INDIRECT));
        cases.add(slot("indirect with no segments", DISK, abi -> indirect(abi, r, ID, 0, 0),
                Rule.INDIRECT_NO_SEGMENTS, r));
        cases.add(slot("indirect over the negotiated maximum", DISK, abi -> indirect(abi, r, ID, 0, 33),
                Rule.INDIRECT_TOO_MANY_SEGMENTS, r));
        cases.add(slot("indirect with 65535 segments", DISK, abi -> indirect(abi, w, ID, 0, 65535),
                Rule.INDIRECT_TOO_MANY_SEGMENTS, w));
        cases.add(slot("indirect header past the end", DISK, abi -> indirect(abi, r, ID, 2040, 32),
                Rule.RANGE_PAST_END, r));

        // Segment sectors.
        cases.add(slot("first_sect after last_sect", DISK,
                abi -> transfer(abi, w, ID, 0, new int[][] {{0, 7}, {0, 7}, {0, 7}, {5, 4}}), Rule.FIRST_SECT_AFTER_LAST, w));
        cases.add(slot("last_sect 8 crosses the page", DISK, abi -> transfer(abi, r, ID, 0, new int[][] {{0, 8}}),
                Rule.SECT_PAST_PAGE, r));
        cases.add(slot("first_sect and last_sect 8", DISK, abi -> transfer(abi, r, ID, 0, new int[][] {{8, 8}}),
                Rule.SECT_PAST_PAGE, r));
        cases.add(slot("first_sect 200 last_sect 255", DISK, abi -> transfer(abi, w, ID, 0, new int[][] {{200, 255}}),
                Rule.SECT_PAST_PAGE, w));
        cases.add(slot("first_sect 9 last_sect 3", DISK, abi -> transfer(abi, w, ID, 0, new int[][] {{9, 3}}),
                Rule.FIRST_SECT_AFTER_LAST, w));
        cases.add(indirectSegments("indirect segment with first_sect after last_sect", r, 0,
                new int[][] {{0, 7}, {6, 2}}, Rule.FIRST_SECT_AFTER_LAST));
        cases.add(indirectSegments("indirect segment with last_sect 8", w, 0, new int[][] {{0, 8}},
                Rule.SECT_PAST_PAGE));

        // Ranges.
        cases.add(slot("read one sector past the end", DISK, abi -> transfer(abi, r, ID, 2048 - 7, fullPages(1)),
                Rule.RANGE_PAST_END, r));
        cases.add(slot("write starting at the end", DISK, abi -> transfer(abi, w, ID, 2048, new int[][] {{0, 0}}),
                Rule.RANGE_PAST_END, w));
        cases.add(slot("sector_number wraps", DISK, abi -> transfer(abi, r, ID, -4, fullPages(1)),
                Rule.RANGE_WRAPS, r));
        cases.add(slot("sector_number 2^63 is past the end", DISK, abi -> transfer(abi, r, ID, Long.MIN_VALUE,
                fullPages(1)), Rule.RANGE_PAST_END, r));
        cases.add(slot("flush with data past the end", DISK, abi -> transfer(abi, f, ID, 2048, fullPages(1)),
                Rule.RANGE_PAST_END, f));
        cases.add(slot("discard past the end", DISK, abi -> discard(abi, ID, 2000, 49, 0), Rule.RANGE_PAST_END, d));
        cases.add(slot("discard wrapping", DISK, abi -> discard(abi, ID, 8, -1, 0), Rule.RANGE_WRAPS, d));
        cases.add(slot("discard of 2^63 sectors", DISK, abi -> discard(abi, ID, 0, Long.MIN_VALUE, 0),
                Rule.RANGE_WRAPS, d));
        cases.add(indirectSegments("indirect segments past the end", r, 2048 - 255, fullPages(32), Rule.RANGE_PAST_END));
        cases.add(slot("misaligned start on a 4 KiB-sector disk", SECTOR_4K,
                abi -> transfer(abi, w, ID, 1, fullPages(1)), Rule.MISALIGNED, w));
        cases.add(slot("misaligned length on a 4 KiB-sector disk", SECTOR_4K,
                abi -> transfer(abi, r, ID, 8, new int[][] {{0, 3}}), Rule.MISALIGNED, r));

        // FreeBSD's request-size extension (negotiated: 11 segments, 8 pages): the header slot's checks.
        cases.add(new Case("request-size extension: 9 pages over max-request-size of 8", DISK,
                (abi, decoder) -> extension(decoder, 11, 8).decode(transfer(abi, w, ID, 0, fullPages(9)), w, 9),
                Rule.REQUEST_TOO_LARGE, w));
        cases.add(new Case("request-size extension: 9 segments over max-request-segments of 8", DISK,
                (abi, decoder) -> extension(decoder, 8, 8).decode(transfer(abi, r, ID, 0, fullPages(9)), r, 9),
                Rule.TOO_MANY_SEGMENTS, r));
        cases.add(new Case("request-size extension: 8 pages within both limits", DISK,
                (abi, decoder) -> extension(decoder, 8, 8).decode(transfer(abi, r, ID, 0, fullPages(8)), r, 8),
                null, r));
        return cases;
    }

    private static SegmentBlockReader extension(BlkifRequestDecoder decoder, int segments, int pages) {
        return new SegmentBlockReader(decoder, new BlkifRequestSizeExtension(32, segments, pages * 4096L),
                decoder.slotBytes());
    }

    static Stream<Arguments> cases() {
        return catalogue().stream().flatMap(c -> Stream.of(Arguments.of(c, XenAbi.X86_64), Arguments.of(c, XenAbi.X86_32)));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("cases")
    void verdict(Case c, XenAbi abi) {
        BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, c.profile());
        BlkifDecoded decoded = c.decode().apply(abi, decoder);
        assertThat(decoded.id()).isEqualTo(ID);
        assertThat(decoded.responseOperation()).isEqualTo(c.echoedOperation());
        if (c.rule() == null) {
            assertThat(decoded).isInstanceOf(BlkifRequest.class);
        } else {
            assertThat(decoded).isInstanceOfSatisfying(BlkifRejection.class, rejection -> {
                assertThat(rejection.rule()).isEqualTo(c.rule());
                assertThat(rejection.status()).isEqualTo(c.rule().status()).isIn(BlkifRsp.ERROR, BlkifRsp.EOPNOTSUPP);
                assertThat(rejection.detail()).isNotBlank();
            });
        }
    }

    @Test
    void everyRuleHasACase() {
        Set<Rule> covered = EnumSet.noneOf(Rule.class);
        catalogue().stream().filter(c -> c.rule() != null).forEach(c -> covered.add(c.rule()));
        assertThat(covered).containsExactlyInAnyOrder(Rule.values());
    }

    @Test
    void acceptedRequestsCarryTheirDecodedFields() {
        for (XenAbi abi : XenAbi.values()) {
            BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, DISK);
            BlkifDecoded decoded = decoder.decode(transfer(abi, BlkifOp.WRITE, ID, 40, new int[][] {{0, 7}, {2, 3}}), 0);
            assertThat(decoded).isEqualTo(new BlkifRequest.Transfer(ID, 0xca00, BlkifOp.WRITE, 40,
                    List.of(new BlkifSegment(100, 0, 7), new BlkifSegment(101, 2, 3)), false));
            BlkifRequest.Transfer transfer = (BlkifRequest.Transfer) decoded;
            assertThat(transfer.offsetBytes()).isEqualTo(40 * 512);
            assertThat(transfer.lengthBytes()).isEqualTo(10 * 512);
            assertThat(transfer.writeLike()).isTrue();

            assertThat(decoder.decode(discard(abi, ID, 8, 16, 0), 0))
                    .isEqualTo(new BlkifRequest.Discard(ID, 0, 8, 16, false));

            BlkifDecoded header = decoder.decode(indirect(abi, BlkifOp.READ, ID, 0, 513 > 32 ? 32 : 513), 0);
            assertThat(header).isInstanceOfSatisfying(BlkifRequest.IndirectHeader.class, h -> {
                assertThat(h.indirectGrefs()).containsExactly(500);
                assertThat(h.handle()).isEqualTo(0xca00);
            });
        }
    }

    @Test
    void indirectHeaderListsOnePagePer512Segments() {
        BlkifDeviceProfile big = new BlkifDeviceProfile(1 << 20, 512, false, true, true, true, false, 4096);
        BlkifRequestDecoder decoder = new BlkifRequestDecoder(XenAbi.X86_64, big);
        assertThat(((BlkifRequest.IndirectHeader) decoder.decode(indirect(XenAbi.X86_64, BlkifOp.READ, 1, 0, 512), 0))
                .indirectGrefs()).hasSize(1);
        assertThat(((BlkifRequest.IndirectHeader) decoder.decode(indirect(XenAbi.X86_64, BlkifOp.READ, 1, 0, 513), 0))
                .indirectGrefs()).containsExactly(500, 501);
        BlkifRequest.IndirectHeader full =
                (BlkifRequest.IndirectHeader) decoder.decode(indirect(XenAbi.X86_64, BlkifOp.WRITE, 1, 0, 4096), 0);
        assertThat(full.indirectGrefs()).hasSize(8);
        BlkifDecoded transfer = decoder.decodeIndirectSegments(full, indirectPages(fullPages(4096)));
        assertThat(transfer).isInstanceOfSatisfying(BlkifRequest.Transfer.class, t -> {
            assertThat(t.segments()).hasSize(4096);
            assertThat(t.indirect()).isTrue();
            assertThat(t.lengthBytes()).isEqualTo(16L << 20);
        });
    }

    @Test
    void protocolKeySelectsTheLayout() {
        assertThat(BlkifProtocol.parse("x86_32-abi")).contains(XenAbi.X86_32);
        assertThat(BlkifProtocol.parse("x86_64-abi")).contains(XenAbi.X86_64);
        assertThat(BlkifProtocol.parse(null)).contains(XenAbi.X86_64);
        assertThat(BlkifProtocol.parse("arm-abi")).isEmpty();
        assertThat(BlkifProtocol.parse("x86_64-abi ")).isEmpty();
    }
}
