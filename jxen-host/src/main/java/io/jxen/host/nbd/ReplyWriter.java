package io.jxen.host.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one way replies leave a connection. Each {@link Reply} (a header, optionally followed by
 * a payload buffer) is written whole and contiguously: replies are appended to a queue, and
 * whichever thread holds the send lock drains the queue with gathering writes, so the bytes
 * of two replies never interleave and a burst of small replies (WRITE acknowledgements) goes
 * out in one system call. A sender that finds the lock taken leaves its reply to the holder,
 * which looks at the queue again after unlocking, so no reply is stranded. A reply with a
 * large payload (a READ) is not queued: its own thread waits for the lock, sends what is
 * queued, then its reply, while the data it just read is still in that core's cache.
 *
 * <p>Every reply's {@link Reply#sent} runs exactly once, after its bytes were handed to the
 * socket or once the connection has failed: that is where buffers and in-flight capacity
 * come back, so a client that stops reading stops the server from taking on more work
 * (the holder blocks in the write, replies queue up to the in-flight bound).
 */
final class ReplyWriter {

    private static final System.Logger LOG = System.getLogger("jxen.nbd");

    /** Headers of one batch are copied here; headers are at most ~1 KiB (error text). */
    private static final int STAGING_BYTES = 64 * 1024;
    private static final int MAX_BATCH = 64;
    static final int MAX_HEADER_BYTES = 4096;
    /** Payloads from this size on are written by the thread that produced them. */
    private static final int OWN_WRITE_BYTES = 64 * 1024;
    /** A batch stops growing once its payloads reach this (they get colder in cache the longer it is). */
    private static final int MAX_BATCH_PAYLOAD_BYTES = 256 * 1024;

    /**
     * One reply.
     *
     * @param header  the reply header (simple reply, or chunk header plus small fields), flipped
     * @param payload bytes sent right after the header, or null
     * @param sent    run once the reply was written or dropped with the connection
     */
    record Reply(ByteBuffer header, ByteBuffer payload, Runnable sent) {
        Reply {
            if (header.remaining() > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException("reply header of " + header.remaining() + " bytes");
            }
        }
    }

    private final GatheringByteChannel channel;
    private final Runnable onFailure;
    private final ConcurrentLinkedQueue<Reply> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
    private final List<Reply> batch = new ArrayList<>(MAX_BATCH);
    private final ByteBuffer[] vector = new ByteBuffer[2 * MAX_BATCH + 1];
    private volatile boolean failed;

    /**
     * @param onFailure run once when a write fails (the connection is then useless: close it)
     */
    ReplyWriter(GatheringByteChannel channel, Runnable onFailure) {
        this.channel = channel;
        this.onFailure = onFailure;
    }

    /**
     * Sends {@code reply}. A small one is queued and sent by whoever holds the lock (this thread
     * if it is free); a reply with a large payload waits for the lock and is written by this
     * thread itself, right after the device filled its buffer, while the data is still in this
     * core's cache (profiling: the kernel's copies dominate, and copying a cold buffer into
     * the socket costs much more).
     */
    void send(Reply reply) {
        if (reply.payload() != null && reply.payload().remaining() >= OWN_WRITE_BYTES) {
            lock.lock();
            try {
                drain();
                staging.clear();
                staging.put(reply.header()).flip();
                vector[0] = staging;
                vector[1] = reply.payload();
                write(2);
                vector[0] = null;
                vector[1] = null;
            } finally {
                lock.unlock();
                sent(reply);
            }
        } else {
            queue.add(reply);
        }
        while (!queue.isEmpty() && lock.tryLock()) {
            try {
                drain();
            } finally {
                lock.unlock();
            }
        }
    }

    /** True once a write failed. */
    boolean failed() {
        return failed;
    }

    private void drain() {
        while (true) {
            batch.clear();
            staging.clear();
            int vectors = 0;
            int runStart = 0;
            Reply next;
            long payloadBytes = 0;
            while (batch.size() < MAX_BATCH && payloadBytes < MAX_BATCH_PAYLOAD_BYTES && (next = queue.peek()) != null
                    && next.header().remaining() <= staging.remaining()) {
                queue.poll();
                batch.add(next);
                staging.put(next.header());
                if (next.payload() != null && next.payload().hasRemaining()) {
                    payloadBytes += next.payload().remaining();
                    vector[vectors++] = staging.slice(runStart, staging.position() - runStart);
                    vector[vectors++] = next.payload();
                    runStart = staging.position();
                }
            }
            if (batch.isEmpty()) {
                return;
            }
            if (staging.position() > runStart) {
                vector[vectors++] = staging.slice(runStart, staging.position() - runStart);
            }
            write(vectors);
            java.util.Arrays.fill(vector, 0, vectors, null);
            for (Reply reply : batch) {
                sent(reply);
            }
        }
    }

    private static void sent(Reply reply) {
        try {
            reply.sent().run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "nbd: releasing a reply failed", e);
        }
    }

    /** Writes the first {@code vectors} buffers unless an earlier write failed; a failure closes the connection. */
    private void write(int vectors) {
        if (failed) {
            return;
        }
        try {
            writeFully(vectors);
        } catch (IOException | RuntimeException e) {
            failed = true;
            LOG.log(System.Logger.Level.DEBUG, "nbd: sending a reply failed: " + e);
            onFailure.run();
        }
    }

    private void writeFully(int vectors) throws IOException {
        int first = 0;
        while (first < vectors) {
            channel.write(vector, first, vectors - first);
            while (first < vectors && !vector[first].hasRemaining()) {
                first++;
            }
        }
    }
}
