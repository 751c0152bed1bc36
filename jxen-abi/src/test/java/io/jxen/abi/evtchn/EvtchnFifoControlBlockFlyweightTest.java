package io.jxen.abi.evtchn;

import io.jxen.abi.RawBytes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvtchnFifoControlBlockFlyweightTest {

    @Test
    void readyBitsAndQueueHeadsLandAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            long at = 256; // init_control lets the guest place the block anywhere in its page
            EvtchnFifoControlBlockFlyweight block = new EvtchnFifoControlBlockFlyweight().wrap(page, at);

            block.getAndOrReady(1 << EvtchnFifo.PRIORITY_DEFAULT | 1 << EvtchnFifo.PRIORITY_MIN);
            block.getAndClearReady(1 << EvtchnFifo.PRIORITY_MIN);
            block.setHeadRelease(EvtchnFifo.PRIORITY_DEFAULT, 33);
            block.setHeadRelease(EvtchnFifo.MAX_QUEUES - 1, EvtchnFifo.LINK_MASK);

            assertThat(RawBytes.read(page, at + EvtchnFifoControlBlockDescriptor.READY_OFFSET, 4)).isEqualTo(1 << 7);
            assertThat(RawBytes.read(page, at + EvtchnFifoControlBlockDescriptor.HEAD_OFFSET + 7 * 4, 4)).isEqualTo(33);
            assertThat(RawBytes.read(page, at + EvtchnFifoControlBlockDescriptor.HEAD_OFFSET + 15 * 4, 4))
                    .isEqualTo(EvtchnFifo.LINK_MASK);
            assertThat(block.getReadyVolatile()).isEqualTo(1 << 7);
            assertThat(block.getHeadAcquire(7)).isEqualTo(33);
            assertThatThrownBy(() -> block.getHeadAcquire(EvtchnFifo.MAX_QUEUES))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
