package io.jxen.abi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderedAccessTest {

    private Arena arena;
    private MemorySegment page;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        page = arena.allocate(4096, 4096);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    @Test
    void valuesAreLittleEndian() {
        OrderedAccess.setIntRelease(page, 0, 0x04030201);
        OrderedAccess.setLongVolatile(page, 8, 0x0807060504030201L);
        OrderedAccess.setShortPlain(page, 16, (short) 0x0201);
        assertThat(page.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4);
        assertThat(page.asSlice(8, 8).toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(page.asSlice(16, 2).toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2);
    }

    @Test
    void everyOrderReadsWhatWasWritten() {
        OrderedAccess.setIntPlain(page, 4, 7);
        assertThat(OrderedAccess.getIntAcquire(page, 4)).isEqualTo(7);
        assertThat(OrderedAccess.getIntVolatile(page, 4)).isEqualTo(7);
        OrderedAccess.setLongRelease(page, 24, -2);
        assertThat(OrderedAccess.getLongPlain(page, 24)).isEqualTo(-2);
        assertThat(OrderedAccess.getLongAcquire(page, 24)).isEqualTo(-2);
        OrderedAccess.setByteVolatile(page, 3, (byte) 9);
        assertThat(OrderedAccess.getByteAcquire(page, 3)).isEqualTo((byte) 9);
        OrderedAccess.setShortRelease(page, 40, (short) -3);
        assertThat(OrderedAccess.getShortVolatile(page, 40)).isEqualTo((short) -3);
    }

    @Test
    void atomicReadModifyWrites() {
        assertThat(OrderedAccess.compareAndSetInt(page, 0, 0, 5)).isTrue();
        assertThat(OrderedAccess.compareAndSetInt(page, 0, 0, 6)).isFalse();
        assertThat(OrderedAccess.getAndAddInt(page, 0, 3)).isEqualTo(5);
        assertThat(OrderedAccess.getAndSetInt(page, 0, -1)).isEqualTo(8);
        assertThat(OrderedAccess.getAndAddInt(page, 0, 1)).isEqualTo(-1);
        assertThat(OrderedAccess.getIntPlain(page, 0)).isZero(); // wraps like RING_IDX
        assertThat(OrderedAccess.compareAndSetLong(page, 8, 0, 1L << 40)).isTrue();
        assertThat(OrderedAccess.getAndAddLong(page, 8, 1)).isEqualTo(1L << 40);
    }

    @Test
    void bitTestAndSetOnSixtyFourBitWords() {
        assertThat(OrderedAccess.testAndSetBit(page, 8, 63)).isFalse();
        assertThat(OrderedAccess.testAndSetBit(page, 8, 63)).isTrue();
        assertThat(OrderedAccess.testAndSetBit(page, 8, 0)).isFalse();
        assertThat(OrderedAccess.getLongPlain(page, 8)).isEqualTo(0x8000000000000001L);
        assertThat(OrderedAccess.testBitAcquire(page, 8, 0)).isTrue();
        assertThat(OrderedAccess.testAndClearBit(page, 8, 0)).isTrue();
        assertThat(OrderedAccess.testAndClearBit(page, 8, 0)).isFalse();
        assertThat(OrderedAccess.getAndClearLong(page, 8)).isEqualTo(0x8000000000000000L);
        assertThat(OrderedAccess.getLongPlain(page, 8)).isZero();
        assertThatThrownBy(() -> OrderedAccess.testAndSetBit(page, 8, 64)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void misalignedAndOutOfBoundsAccessesThrow() {
        assertThatThrownBy(() -> OrderedAccess.getIntAcquire(page, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OrderedAccess.compareAndSetLong(page, 4, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OrderedAccess.getIntAcquire(page, 4096)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void fencesRun() {
        OrderedAccess.readBarrier();
        OrderedAccess.writeBarrier();
        OrderedAccess.fullFence();
    }
}
