package io.jxen.abi;

import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoFlyweight;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlyweightTest {

    @Test
    void wrapRejectsAStructureThatDoesNotFit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(XenPage.SIZE, XenPage.SIZE);
            VcpuTimeInfoFlyweight time = new VcpuTimeInfoFlyweight();

            assertThatThrownBy(() -> time.wrap(page, XenPage.SIZE - VcpuTimeInfoDescriptor.SIZE + 8))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> time.wrap(page, -8)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void wrapRejectsAMisalignedStart() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(XenPage.SIZE, XenPage.SIZE);

            assertThatThrownBy(() -> new VcpuTimeInfoFlyweight().wrap(page, 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8-byte aligned");
        }
    }

    @Test
    void wrapRemembersWhereItPoints() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(XenPage.SIZE, XenPage.SIZE);

            VcpuTimeInfoFlyweight time = new VcpuTimeInfoFlyweight().wrap(page, 64);

            assertThat(time.segment()).isSameAs(page);
            assertThat(time.offset()).isEqualTo(64);
        }
    }

    @Test
    void abiAccessIsLittleEndianAndAtomic() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(64, 8);

            OrderedAccess.setLongPlain(m, 8, 0x0102030405060708L);
            OrderedAccess.setIntRelease(m, 16, 0xA1B2C3D4);
            OrderedAccess.setShortPlain(m, 20, (short) 0xBEEF);

            assertThat(RawBytes.read(m, 8, 1)).isEqualTo(0x08);
            assertThat(RawBytes.read(m, 8, 8)).isEqualTo(0x0102030405060708L);
            assertThat(RawBytes.read(m, 16, 4)).isEqualTo(0xA1B2C3D4L);
            assertThat(RawBytes.read(m, 20, 2)).isEqualTo(0xBEEF);
            assertThat(OrderedAccess.compareAndSetInt(m, 16, 0xA1B2C3D4, 7)).isTrue();
            assertThat(OrderedAccess.compareAndSetInt(m, 16, 0xA1B2C3D4, 8)).isFalse();
            assertThat(OrderedAccess.getAndBitwiseOrLong(m, 24, 0b101)).isZero();
            assertThat(OrderedAccess.getAndBitwiseAndLong(m, 24, ~0b1L)).isEqualTo(0b101);
            assertThat(RawBytes.read(m, 24, 8)).isEqualTo(0b100);
            assertThatThrownBy(() -> OrderedAccess.getIntAcquire(m, 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
