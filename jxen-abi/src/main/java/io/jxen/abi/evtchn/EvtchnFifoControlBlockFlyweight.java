package io.jxen.abi.evtchn;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor.HEAD_OFFSET;
import static io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor.READY_OFFSET;

/**
 * View of a {@code struct evtchn_fifo_control_block} (event_channel.h); see
 * {@link EvtchnFifoControlBlockDescriptor}. {@code ready} is shared by Xen (sets bits) and
 * the guest (clears them), so it changes only atomically; {@code head[q]} is written by Xen and
 * consumed by the guest.
 */
public final class EvtchnFifoControlBlockFlyweight extends Flyweight {

    /** Wraps the block at {@code offset} of {@code segment}. */
    public EvtchnFifoControlBlockFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, EvtchnFifoControlBlockDescriptor.SIZE, EvtchnFifoControlBlockDescriptor.ALIGNMENT);
        return this;
    }

    /** {@code ready}, volatile: bit {@code q} set means queue {@code q} is non-empty. */
    public int getReadyVolatile() {
        return OrderedAccess.getIntVolatile(segment(), offset() + READY_OFFSET);
    }

    /** Atomically sets bits of {@code ready}; returns the previous value. */
    public int getAndOrReady(int bits) {
        return OrderedAccess.getAndBitwiseOrInt(segment(), offset() + READY_OFFSET, bits);
    }

    /** Atomically clears bits of {@code ready}; returns the previous value. */
    public int getAndClearReady(int bits) {
        return OrderedAccess.getAndBitwiseAndInt(segment(), offset() + READY_OFFSET, ~bits);
    }

    /** {@code head[queue]}, acquire. */
    public int getHeadAcquire(int queue) {
        return OrderedAccess.getIntAcquire(segment(), head(queue));
    }

    /** Sets {@code head[queue]} with release order. */
    public void setHeadRelease(int queue, int port) {
        OrderedAccess.setIntRelease(segment(), head(queue), port);
    }

    private long head(int queue) {
        return offset() + HEAD_OFFSET + (long) Objects.checkIndex(queue, EvtchnFifo.MAX_QUEUES) * Integer.BYTES;
    }
}
