package io.jxen.abi.gnttab;

import io.jxen.abi.RawBytes;
import io.jxen.abi.xen.DomId;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class GrantEntryFlyweightsTest {

    @Test
    void v1EntryFieldsLandAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = arena.allocate(4096, 4096);
            long at = 3L * GrantEntryV1Descriptor.SIZE;
            GrantEntryV1Flyweight entry = new GrantEntryV1Flyweight().wrap(table, at);

            entry.setDomid(DomId.INVALID - 1);
            entry.setFrame(0x89ABCDEF);
            entry.setFlagsRelease(Gtf.PERMIT_ACCESS | Gtf.READONLY);

            assertThat(RawBytes.read(table, at + GrantEntryV1Descriptor.FLAGS_OFFSET, 2)).isEqualTo(0x5);
            assertThat(RawBytes.read(table, at + GrantEntryV1Descriptor.DOMID_OFFSET, 2)).isEqualTo(0x7FF3);
            assertThat(RawBytes.read(table, at + GrantEntryV1Descriptor.FRAME_OFFSET, 4)).isEqualTo(0x89ABCDEFL);
            assertThat(entry.getFlagsAcquire()).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY);
            assertThat(entry.getDomid()).isEqualTo(0x7FF3);
            assertThat(entry.getFrame()).isEqualTo(0x89ABCDEF);
        }
    }

    @Test
    void v1HeaderWordSwapsFlagsAndDomidTogether() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = arena.allocate(4096, 4096);
            GrantEntryV1Flyweight entry = new GrantEntryV1Flyweight().wrap(table, 0);
            entry.setDomid(7);
            entry.setFlagsRelease(Gtf.PERMIT_ACCESS);

            int header = entry.getHeaderVolatile();
            boolean swapped = entry.compareAndSetHeader(header,
                    GrantEntryV1Flyweight.header(GrantEntryV1Flyweight.flagsOf(header) | Gtf.READING, 7));

            assertThat(header).isEqualTo(GrantEntryV1Flyweight.header(Gtf.PERMIT_ACCESS, 7));
            assertThat(GrantEntryV1Flyweight.domidOf(header)).isEqualTo(7);
            assertThat(swapped).isTrue();
            assertThat(RawBytes.read(table, GrantEntryV1Descriptor.FLAGS_OFFSET, 2)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING);
            assertThat(RawBytes.read(table, GrantEntryV1Descriptor.DOMID_OFFSET, 2)).isEqualTo(7);
            assertThat(entry.compareAndSetHeader(header, 0)).as("stale expected header").isFalse();
        }
    }

    @Test
    void v2EntryArmsLandAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = arena.allocate(4096, 4096);
            long at = GrantEntryV2Descriptor.SIZE;
            GrantEntryV2Flyweight entry = new GrantEntryV2Flyweight().wrap(table, at);

            entry.setDomid(3);
            entry.setFullPageFrame(0x1_0000_0001L);
            entry.setSubPage(512, 1024);
            entry.setFlagsRelease(Gtf.PERMIT_ACCESS | Gtf.SUB_PAGE);

            assertThat(RawBytes.read(table, at + GrantEntryHeaderDescriptor.FLAGS_OFFSET, 2)).isEqualTo(0x101);
            assertThat(RawBytes.read(table, at + GrantEntryHeaderDescriptor.DOMID_OFFSET, 2)).isEqualTo(3);
            assertThat(RawBytes.read(table, at + GrantEntryV2Descriptor.SUB_PAGE_FRAME_OFFSET, 8)).isEqualTo(0x1_0000_0001L);
            assertThat(RawBytes.read(table, at + GrantEntryV2Descriptor.SUB_PAGE_PAGE_OFF_OFFSET, 2)).isEqualTo(512);
            assertThat(RawBytes.read(table, at + GrantEntryV2Descriptor.SUB_PAGE_LENGTH_OFFSET, 2)).isEqualTo(1024);
            assertThat(entry.getSubPageOffset()).isEqualTo(512);
            assertThat(entry.getSubPageLength()).isEqualTo(1024);
            assertThat(entry.getFullPageFrame()).isEqualTo(0x1_0000_0001L);

            entry.setTransitive(9, 1234);
            assertThat(RawBytes.read(table, at + GrantEntryV2Descriptor.TRANSITIVE_TRANS_DOMID_OFFSET, 2)).isEqualTo(9);
            assertThat(RawBytes.read(table, at + GrantEntryV2Descriptor.TRANSITIVE_GREF_OFFSET, 4)).isEqualTo(1234);
            assertThat(entry.getTransitiveDomid()).isEqualTo(9);
            assertThat(entry.getTransitiveGref()).isEqualTo(1234);
            assertThat(entry.getFlagsAcquire()).isEqualTo(0x101);
            assertThat(entry.getDomid()).isEqualTo(3);
        }
    }
}
