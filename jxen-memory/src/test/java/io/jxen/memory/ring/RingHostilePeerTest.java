package io.jxen.memory.ring;

import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A peer that lies about its indices or rewrites entries after publishing them. */
class RingHostilePeerTest {

    private static final int ENTRY = 112; // blkif on x86_64: 32 entries in one page

    private Arena arena;
    private SharedRing ring;
    private MemorySegment mine;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ring = new SharedRing(arena.allocate(4096, 4096), ENTRY);
        mine = arena.allocate(ENTRY);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    @Test
    void geometryFollowsRingH() {
        assertThat(ring.entries()).isEqualTo(SharedRingDescriptor.BLKIF_ONE_PAGE_ENTRIES);
        assertThat(ring.slotOffset(0)).isEqualTo(64);
        assertThat(ring.slotOffset(33)).isEqualTo(64 + ENTRY);
        assertThat(new SharedRing(arena.allocate(4 * 4096, 4096), ENTRY).entries()).isEqualTo(128);
    }

    @Test
    void sharedRingInitSetsIndicesAndZeroesPadding() {
        ring.segment().fill((byte) 0x7f);
        ring.init();
        assertThat(ring.requestProducer()).isZero();
        assertThat(ring.responseProducer()).isZero();
        assertThat(ring.requestEvent()).isEqualTo(1);
        assertThat(ring.responseEvent()).isEqualTo(1);
        assertThat(ring.segment().asSlice(16, 48).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
        assertThat(ring.segment().get(ValueLayout.JAVA_BYTE, 64)).isEqualTo((byte) 0x7f); // entries untouched
    }

    @Test
    void requestProducerBeyondTheRingThrowsAndLeavesTheRingUntouched() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        for (int i = 0; i < 3; i++) {
            front.putRequest(MemorySegment.ofArray(new byte[] {(byte) i}));
        }
        front.pushRequests();
        // The frontend now claims a whole ring plus one.
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.REQ_PROD_OFFSET, ring.entries() + 1);
        byte[] before = ring.segment().toArray(ValueLayout.JAVA_BYTE);

        assertThatThrownBy(back::unconsumedRequests)
                .isInstanceOf(RingOverflowException.class)
                .hasMessageContaining("request producer index 33")
                .satisfies(e -> assertThat(((RingOverflowException) e).limit()).isEqualTo(32));
        assertThatThrownBy(back::finalCheckForRequests).isInstanceOf(RingOverflowException.class);
        assertThatThrownBy(() -> back.copyRequest(mine)).isInstanceOf(IllegalStateException.class);

        assertThat(ring.segment().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(before);
        assertThat(back.requestConsumer()).isZero();
    }

    @Test
    void exactlyAFullRingIsLegalButOneMoreIsNot() {
        BackRing back = BackRing.attach(ring, -5); // indices wrap during the test
        ring.initAt(-5);
        // Consume 4 and leave them in service: 28 slots remain for new requests.
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.REQ_PROD_OFFSET, -1);
        assertThat(back.unconsumedRequests()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            back.copyRequest(mine);
        }
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.REQ_PROD_OFFSET, -1 + 28);
        assertThat(back.unconsumedRequests()).isEqualTo(28);
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.REQ_PROD_OFFSET, -1 + 29);
        assertThatThrownBy(back::unconsumedRequests).isInstanceOf(RingOverflowException.class);
    }

    @Test
    void requestProducerGoingBackwardsThrows() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        for (int i = 0; i < 5; i++) {
            front.putRequest(MemorySegment.ofArray(new byte[] {(byte) i}));
        }
        front.pushRequests();
        assertThat(back.unconsumedRequests()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            back.copyRequest(mine);
        }
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.REQ_PROD_OFFSET, 2);
        assertThatThrownBy(back::unconsumedRequests).isInstanceOf(RingOverflowException.class);
    }

    @Test
    void responsesForRequestsNeverMadeThrow() {
        FrontRing front = FrontRing.init(ring);
        front.putRequest(MemorySegment.ofArray(new byte[] {1}));
        front.putRequest(MemorySegment.ofArray(new byte[] {2}));
        front.pushRequests();
        // The backend claims three responses to two requests.
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.RSP_PROD_OFFSET, 3);
        byte[] before = ring.segment().toArray(ValueLayout.JAVA_BYTE);
        assertThatThrownBy(front::unconsumedResponses).isInstanceOf(RingOverflowException.class);
        assertThatThrownBy(front::finalCheckForResponses).isInstanceOf(RingOverflowException.class);
        assertThat(ring.segment().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(before);
        assertThat(front.responseConsumer()).isZero();
        OrderedAccess.setIntRelease(ring.segment(), SharedRingDescriptor.RSP_PROD_OFFSET, 2);
        assertThat(front.unconsumedResponses()).isEqualTo(2);
    }

    @Test
    void aRequestChangedByThePeerAfterTheCopyDoesNotChangeTheCopy() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        byte[] original = new byte[ENTRY];
        original[0] = 0; // BLKIF_OP_READ
        original[1] = 1; // one segment
        front.putRequest(MemorySegment.ofArray(original));
        front.pushRequests();

        assertThat(back.unconsumedRequests()).isEqualTo(1);
        back.copyRequest(mine);
        // The frontend rewrites the slot after publishing it (the XSA-155 double fetch).
        ring.slot(0).fill((byte) 0xee);

        assertThat(mine.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(original);
        assertThat(back.unconsumedRequests()).isZero();
    }

    @Test
    void aResponseChangedByThePeerAfterTheCopyDoesNotChangeTheCopy() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        front.putRequest(MemorySegment.ofArray(new byte[] {9}));
        front.pushRequests();
        back.unconsumedRequests();
        back.copyRequest(mine);
        back.putResponse(MemorySegment.ofArray(new byte[] {42, 0, 7}));
        back.pushResponses();

        assertThat(front.unconsumedResponses()).isEqualTo(1);
        front.copyResponse(mine);
        ring.slot(0).fill((byte) 0xee);
        assertThat(mine.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
        assertThat(mine.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 7);
    }

    @Test
    void aShortResponseZeroesTheRestOfItsSlot() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        byte[] request = new byte[ENTRY];
        java.util.Arrays.fill(request, (byte) 0x55);
        front.putRequest(MemorySegment.ofArray(request));
        front.pushRequests();
        back.unconsumedRequests();
        back.copyRequest(mine);
        back.putResponse(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
        byte[] slot = ring.slot(0).toArray(ValueLayout.JAVA_BYTE);
        assertThat(java.util.Arrays.copyOfRange(slot, 12, ENTRY)).containsOnly((byte) 0);
    }

    @Test
    void misuseIsRefused() {
        FrontRing front = FrontRing.init(ring);
        BackRing back = BackRing.init(ring);
        assertThatThrownBy(() -> back.putResponse(MemorySegment.ofArray(new byte[1])))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> front.putRequest(MemorySegment.ofArray(new byte[ENTRY + 1])))
                .isInstanceOf(IllegalArgumentException.class);
        for (int i = 0; i < ring.entries(); i++) {
            front.putRequest(MemorySegment.ofArray(new byte[1]));
        }
        assertThat(front.isFull()).isTrue();
        assertThatThrownBy(front::requestSlot).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new SharedRing(arena.allocate(100, 4096), ENTRY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
