package io.jxen.abi;

import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the byte-level accessors: what a C peer on x86 would read. */
class OrderedAccessProperties {

    @Property
    void everyWidthIsStoredLittleEndian(@ForAll long value, @ForAll @IntRange(min = 0, max = 7) int slot) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(256, 8);
            long at = slot * 16L;

            OrderedAccess.setLongPlain(m, at, value);
            OrderedAccess.setIntPlain(m, at + 8, (int) value);
            OrderedAccess.setShortPlain(m, at + 12, (short) value);
            OrderedAccess.setBytePlain(m, at + 14, (byte) value);

            assertThat(RawBytes.read(m, at, 8)).isEqualTo(value);
            assertThat(RawBytes.read(m, at + 8, 4)).isEqualTo(value & 0xFFFF_FFFFL);
            assertThat(RawBytes.read(m, at + 12, 2)).isEqualTo(value & 0xFFFF);
            assertThat(RawBytes.read(m, at + 14, 1)).isEqualTo(value & 0xFF);
        }
    }

    @Property
    void fourByteAlignedLongsRoundTrip(@ForAll long value, @ForAll @IntRange(min = 0, max = 30) int word) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(128, 8);
            long at = word * 4L;

            OrderedAccess.setLongAlign4(m, at, value);

            assertThat(RawBytes.read(m, at, 8)).isEqualTo(value);
            assertThat(OrderedAccess.getLongAlign4(m, at)).isEqualTo(value);
        }
    }

    @Property
    void grantHeaderWordPacksFlagsLowAndDomidHigh(@ForAll @IntRange(min = 0, max = 0xFFFF) int flags,
                                                   @ForAll @IntRange(min = 0, max = 0xFFFF) int domid) {
        int header = GrantEntryV1Flyweight.header(flags, domid);

        assertThat(GrantEntryV1Flyweight.flagsOf(header)).isEqualTo(flags);
        assertThat(GrantEntryV1Flyweight.domidOf(header)).isEqualTo(domid);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(8, 8);
            OrderedAccess.setIntPlain(entry, 0, header);
            assertThat(RawBytes.read(entry, 0, 2)).as("flags at offset 0").isEqualTo(flags);
            assertThat(RawBytes.read(entry, 2, 2)).as("domid at offset 2").isEqualTo(domid);
        }
    }
}
