package io.jxen.host.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Payload buffers shared by a server's connections. Direct buffers in power-of-two classes
 * from 4 KiB to {@link #LARGEST_POOLED_BYTES}, so the socket and the file move data without a
 * copy through the JDK's temporary buffers and without zeroing a fresh buffer per request;
 * larger payloads (rare: up to 32 MiB) get a plain heap buffer that is left to the collector.
 * Each class is a stack: the buffer given back last is taken first, so the few buffers a
 * steady stream of requests needs stay in the CPU caches (profiling showed the copies into
 * and out of the kernel dominate; a FIFO cycled through every buffer and missed the cache).
 * At most {@code retainBytes} sit idle in the pool; what comes back beyond that is dropped.
 * How much is in use at once is bounded by the connections' in-flight limits, not here.
 *
 * <p>A pooled buffer may hold an earlier request's bytes: callers fill the whole
 * {@code [0, limit)} range (a device read or a socket read of exactly that length) before
 * anything of it is sent.
 */
final class BufferPool {

    static final int SMALLEST_CLASS_BYTES = 4096;
    static final int LARGEST_POOLED_BYTES = 4 << 20;
    private static final int CLASSES = Integer.numberOfTrailingZeros(LARGEST_POOLED_BYTES)
            - Integer.numberOfTrailingZeros(SMALLEST_CLASS_BYTES) + 1;

    private final long retainBytes;
    private final NbdServer.PayloadBuffers source;
    private final AtomicLong retained = new AtomicLong();
    private final List<ConcurrentLinkedDeque<ByteBuffer>> free = new ArrayList<>(CLASSES);

    BufferPool(long retainBytes) {
        this(retainBytes, NbdServer.PayloadBuffers.DIRECT);
    }

    /** A pool whose buffers come from {@code source} and go back to it when not kept. */
    BufferPool(long retainBytes, NbdServer.PayloadBuffers source) {
        this.retainBytes = retainBytes;
        this.source = source;
        for (int i = 0; i < CLASSES; i++) {
            free.add(new ConcurrentLinkedDeque<>());
        }
    }

    /** A buffer with position 0 and limit {@code length} (0 to 32 MiB). */
    ByteBuffer take(int length) {
        if (length > LARGEST_POOLED_BYTES) {
            return ByteBuffer.allocate(length);
        }
        int index = classOf(length);
        ByteBuffer buffer = free.get(index).pollFirst();
        if (buffer == null) {
            buffer = source.allocate(SMALLEST_CLASS_BYTES << index);
        } else {
            retained.addAndGet(-buffer.capacity());
        }
        return buffer.clear().limit(length);
    }

    /** Hands a buffer from {@link #take} back; null is ignored. */
    void give(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            return;
        }
        int capacity = buffer.capacity();
        if (retained.addAndGet(capacity) > retainBytes) {
            retained.addAndGet(-capacity);
            source.discard(buffer);
            return;
        }
        free.get(classOf(capacity)).addFirst(buffer);
    }

    /** Bytes idle in the pool now. */
    long retainedBytes() {
        return retained.get();
    }

    private static int classOf(int length) {
        int size = Math.max(SMALLEST_CLASS_BYTES, length);
        int rounded = Integer.highestOneBit(size) == size ? size : Integer.highestOneBit(size) << 1;
        return Integer.numberOfTrailingZeros(rounded) - Integer.numberOfTrailingZeros(SMALLEST_CLASS_BYTES);
    }
}
