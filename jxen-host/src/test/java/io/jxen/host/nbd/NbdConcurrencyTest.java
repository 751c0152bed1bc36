package io.jxen.host.nbd;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.MemoryBlockDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jxen.host.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several requests in flight on one connection: out-of-order completion, whole replies,
 * FLUSH and DISC ordering, and the in-flight bounds. Slow requests are made slow by a gate
 * in the device that the test opens, never by time.
 */
class NbdConcurrencyTest {

    private static final int SIZE = 8 << 20;
    private static final long GATED = 1 << 20;

    private GatedDevice device;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        device = new GatedDevice(new MemoryBlockDevice(SIZE, false));
        server = NbdServer.start(device, 0, "disk", NbdServer.Options.defaults());
    }

    @AfterEach
    void stop() throws IOException {
        device.open();
        server.close();
        assertThat(server.activeConnections()).isZero();
    }

    private MiniNbdClient client(boolean structured) throws IOException {
        return new MiniNbdClient(server.port()).connect(structured, structured);
    }

    @Test
    void aSlowRequestDoesNotHoldBackLaterOnesAndRepliesComeOutOfOrder() throws Exception {
        byte[] data = pattern(4096, 3);
        device.inner.write(GATED, ByteBuffer.wrap(data), false); // past the gate: straight to memory
        try (MiniNbdClient c = client(true)) {
            c.request(0, CMD_READ, 1, GATED, 4096, null); // stops at the gate
            device.reached.await();
            c.request(0, CMD_READ, 2, 0, 512, null);
            c.request(0, CMD_WRITE, 3, 8192, 4, new byte[] {1, 2, 3, 4});
            Set<Long> early = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                early.add(c.in.readInt() == STRUCTURED_REPLY_MAGIC ? restOfChunk(c).cookie() : restOfSimple(c));
            }
            assertThat(early).containsExactlyInAnyOrder(2L, 3L);
            device.open();
            MiniNbdClient.Chunk slow = c.chunk();
            assertThat(slow.cookie()).isEqualTo(1);
            assertThat(Arrays.copyOfRange(slow.payload(), 8, slow.payload().length)).isEqualTo(data);
        }
    }

    @Test
    void manyPipelinedRequestsAreAnsweredOnceEachWholeAndNeverInterleaved() throws Exception {
        pipeline(true);
        pipeline(false);
    }

    /** Hundreds of mixed requests sent without waiting; the reply stream is parsed strictly. */
    private void pipeline(boolean structured) throws Exception {
        Random random = new Random(structured ? 7 : 8);
        byte[] low = pattern(SIZE / 2, structured ? 11 : 12);
        device.write(0, ByteBuffer.wrap(low), false);
        int count = 600;
        List<long[]> requests = new ArrayList<>(); // {cookie, type, offset, length, expected errno}
        Map<Long, byte[]> written = new HashMap<>();
        for (int i = 0; i < count; i++) {
            long cookie = 1000L * i + 17;
            int kind = random.nextInt(10);
            if (kind < 5) {
                int length = 1 + random.nextInt(300 * 1024);
                long offset = random.nextInt(SIZE / 2 - length);
                requests.add(new long[] {cookie, CMD_READ, offset, length, 0});
            } else if (kind < 8) {
                long offset = SIZE / 2 + 4096L * i; // disjoint blocks in the upper half
                requests.add(new long[] {cookie, CMD_WRITE, offset, 4096, 0});
                written.put(offset, pattern(4096, i));
            } else if (kind == 8) {
                requests.add(new long[] {cookie, CMD_READ, SIZE - 10, 11, EINVAL});
            } else {
                requests.add(new long[] {cookie, CMD_FLUSH, 0, 0, 0});
            }
        }
        try (MiniNbdClient c = client(structured)) {
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (long[] r : requests) {
                        c.request(0, (int) r[1], r[0], r[2], r[3], r[1] == CMD_WRITE ? written.get(r[2]) : null);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            Map<Long, long[]> outstanding = new HashMap<>();
            for (long[] r : requests) {
                outstanding.put(r[0], r);
            }
            for (int i = 0; i < count; i++) {
                int magic = c.in.readInt();
                long[] r;
                if (magic == STRUCTURED_REPLY_MAGIC) {
                    assertThat(structured).isTrue();
                    MiniNbdClient.Chunk chunk = restOfChunk(c);
                    r = outstanding.remove(chunk.cookie());
                    assertThat(r).as("reply to an outstanding cookie %d", chunk.cookie()).isNotNull();
                    assertThat(r[1]).isEqualTo(CMD_READ);
                    assertThat(chunk.flags()).isEqualTo(REPLY_FLAG_DONE);
                    if (r[4] != 0) {
                        assertThat(chunk.type()).isEqualTo(REPLY_TYPE_ERROR);
                        assertThat(chunk.buffer().getInt()).isEqualTo((int) r[4]);
                    } else {
                        assertThat(chunk.type()).isEqualTo(REPLY_TYPE_OFFSET_DATA);
                        assertThat(chunk.buffer().getLong()).isEqualTo(r[2]);
                        assertThat(Arrays.copyOfRange(chunk.payload(), 8, chunk.payload().length))
                                .isEqualTo(Arrays.copyOfRange(low, (int) r[2], (int) (r[2] + r[3])));
                    }
                } else {
                    assertThat(magic).isEqualTo(SIMPLE_REPLY_MAGIC);
                    int error = c.in.readInt();
                    long cookie = c.in.readLong();
                    r = outstanding.remove(cookie);
                    assertThat(r).as("reply to an outstanding cookie %d", cookie).isNotNull();
                    assertThat(error).isEqualTo((int) r[4]);
                    if (r[1] == CMD_READ && error == 0) {
                        assertThat(structured).isFalse();
                        assertThat(c.in.readNBytes((int) r[3]))
                                .isEqualTo(Arrays.copyOfRange(low, (int) r[2], (int) (r[2] + r[3])));
                    } else {
                        assertThat(r[1] != CMD_READ || !structured).isTrue();
                    }
                }
            }
            assertThat(outstanding).isEmpty();
            sender.join();
            assertThat(failures).isEmpty();
            c.request(0, CMD_DISC, 1, 0, 0, null);
            assertThat(c.closedByServer()).isTrue();
        }
        for (Map.Entry<Long, byte[]> w : written.entrySet()) {
            ByteBuffer back = ByteBuffer.allocate(4096);
            device.read(w.getKey(), back);
            assertThat(back.array()).isEqualTo(w.getValue());
        }
    }

    @Test
    void flushCoversEveryWriteAcknowledgedBeforeIt() throws Exception {
        try (MiniNbdClient c = client(false)) {
            int writes = 100;
            for (int i = 0; i < writes; i++) {
                c.request(i % 7 == 0 ? CMD_FLAG_FUA : 0, CMD_WRITE, i, 4096L * i, 4096, pattern(4096, i));
            }
            Set<Long> acknowledged = new HashSet<>();
            for (int i = 0; i < writes; i++) {
                MiniNbdClient.Reply reply = c.simpleReply(0);
                assertThat(reply.error()).isZero();
                acknowledged.add(reply.cookie());
            }
            assertThat(acknowledged).hasSize(writes);
            c.request(0, CMD_FLUSH, 500, 0, 0, null);
            MiniNbdClient.Reply flushed = c.simpleReply(0);
            assertThat(flushed.cookie()).isEqualTo(500);
            assertThat(flushed.error()).isZero();
        }
        assertThat(device.writesReturnedAtFlush).containsExactly(100);
    }

    @Test
    void flushAlsoWaitsForWritesReceivedBeforeItThatAreStillRunning() throws Exception {
        try (MiniNbdClient c = client(true)) {
            c.request(0, CMD_WRITE, 1, GATED, 4, new byte[] {9, 9, 9, 9}); // stops at the gate
            device.reached.await();
            c.request(0, CMD_FLUSH, 2, 0, 0, null);
            c.request(0, CMD_READ, 3, 0, 16, null);
            assertThat(c.chunk().cookie()).as("the connection keeps serving").isEqualTo(3);
            device.open();
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                MiniNbdClient.Reply reply = c.simpleReply(0);
                assertThat(reply.error()).isZero();
                cookies.add(reply.cookie());
            }
            assertThat(cookies).containsExactlyInAnyOrder(1L, 2L);
        }
        assertThat(device.events).containsSubsequence("write-done " + GATED, "flush");
        assertThat(device.events.indexOf("flush")).isGreaterThan(device.events.indexOf("write-done " + GATED));
    }

    @Test
    void disconnectWaitsForTheRequestsInFlightAndAnswersThem() throws Exception {
        try (MiniNbdClient c = client(true)) {
            c.request(0, CMD_READ, 1, GATED, 4096, null); // stops at the gate
            device.reached.await();
            c.request(0, CMD_WRITE, 2, 0, 3, new byte[] {5, 6, 7});
            c.request(0, CMD_DISC, 3, 0, 0, null);
            server.stats().awaitDisconnects(1);
            device.open();
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                cookies.add(c.in.readInt() == STRUCTURED_REPLY_MAGIC ? restOfChunk(c).cookie() : restOfSimple(c));
            }
            assertThat(cookies).containsExactlyInAnyOrder(1L, 2L);
            assertThat(c.closedByServer()).isTrue();
        }
        ByteBuffer back = ByteBuffer.allocate(3);
        device.read(0, back);
        assertThat(back.array()).containsExactly(5, 6, 7);
    }

    @Test
    void aBrokenStreamWithRequestsInFlightClosesOnlyThatConnection() throws Exception {
        try (MiniNbdClient bad = client(true); MiniNbdClient good = client(false)) {
            bad.request(0, CMD_READ, 1, GATED, 4096, null); // stops at the gate
            device.reached.await();
            bad.out.writeInt(0xdeadbeef);
            bad.out.write(new byte[24]);
            bad.out.flush();
            assertThat(bad.closedByServer()).isTrue();
            device.open();
            good.request(0, CMD_READ, 7, 0, 8, null);
            assertThat(good.simpleReply(8).cookie()).isEqualTo(7);
        }
    }

    @Test
    void aClientThatNeverReadsRepliesCannotMakeTheServerBufferWithoutBound() throws Exception {
        int reads = 200; // 200 MiB of replies asked for
        try (MiniNbdClient greedy = client(true); MiniNbdClient other = client(false)) {
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < reads; i++) {
                        greedy.request(0, CMD_READ, i, 0, 1 << 20, null);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            server.stats().awaitThrottled();
            assertThat(server.stats().peakBytes()).isLessThanOrEqualTo(NbdTransmission.MIN_IN_FLIGHT_BYTES);
            other.request(0, CMD_READ, 1, 0, 8, null);
            assertThat(other.simpleReply(8).cookie()).as("other connections are still served").isEqualTo(1);
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i < reads; i++) {
                MiniNbdClient.Chunk chunk = greedy.chunk();
                assertThat(chunk.payload()).hasSize(8 + (1 << 20));
                cookies.add(chunk.cookie());
            }
            assertThat(cookies).hasSize(reads);
            sender.join();
            assertThat(failures).isEmpty();
        }
        assertThat(server.stats().peakBytes()).isLessThanOrEqualTo(NbdTransmission.MIN_IN_FLIGHT_BYTES);
        assertThat(server.stats().peakRequests()).isLessThanOrEqualTo(NbdTransmission.MAX_IN_FLIGHT_REQUESTS);
    }

    @Test
    void manySmallRequestsAreBoundedByTheRequestSlots() throws Exception {
        int reads = 20_000; // 4 KiB each: ~80 MiB of replies, far more than the socket buffers hold
        try (MiniNbdClient greedy = client(false)) {
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < reads; i++) {
                        greedy.request(0, CMD_READ, i, 4096L * (i % 256), 4096, null);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            server.stats().awaitThrottled();
            assertThat(server.stats().peakRequests()).isLessThanOrEqualTo(NbdTransmission.MAX_IN_FLIGHT_REQUESTS);
            for (int i = 0; i < reads; i++) {
                assertThat(greedy.simpleReply(4096).error()).isZero();
            }
            sender.join();
            assertThat(failures).isEmpty();
        }
        assertThat(server.stats().peakRequests()).isLessThanOrEqualTo(NbdTransmission.MAX_IN_FLIGHT_REQUESTS);
    }

    @Test
    void closingTheServerEndsAConnectionStuckOnAClientThatNeverReads() throws Exception {
        try (MiniNbdClient greedy = client(true)) {
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        greedy.request(0, CMD_READ, i, 0, 1 << 20, null);
                    }
                } catch (IOException e) {
                    // expected once the server has closed the connection
                }
            });
            server.stats().awaitThrottled();
            server.close(); // closes the socket: threads stuck sending fail and end
            assertThat(server.activeConnections()).isZero();
            greedy.socket.close(); // frees the sender if it is still blocked writing
            sender.join();
        }
    }

    @Test
    void aClientThatLeavesWithRequestsInFlightFreesItsConnection() throws Exception {
        try (MiniNbdClient c = client(true)) {
            c.request(0, CMD_READ, 1, GATED, 4096, null);
            device.reached.await();
            for (int i = 2; i < 20; i++) {
                c.request(0, CMD_READ, i, 0, 1 << 20, null);
            }
        }
        device.open();
        try (MiniNbdClient c = client(true)) {
            c.request(0, CMD_READ, 77, 0, 512, null);
            assertThat(c.chunk().cookie()).isEqualTo(77);
        }
        // stop() closes the server, which waits for every connection and request thread.
    }

    private static MiniNbdClient.Chunk restOfChunk(MiniNbdClient c) throws IOException {
        int flags = c.in.readUnsignedShort();
        int type = c.in.readUnsignedShort();
        long cookie = c.in.readLong();
        int length = c.in.readInt();
        assertThat(length).isBetween(0, (32 << 20) + 8);
        return new MiniNbdClient.Chunk(flags, type, cookie, c.in.readNBytes(length));
    }

    /** The rest of a simple reply without data; returns its cookie. */
    private static long restOfSimple(MiniNbdClient c) throws IOException {
        assertThat(c.in.readInt()).isZero();
        return c.in.readLong();
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * A memory device whose reads and writes at {@link #GATED} wait until {@link #open()},
     * and which records what happened in order.
     */
    private static final class GatedDevice implements BlockDevice {
        final MemoryBlockDevice inner;
        final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch gate = new CountDownLatch(1);
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> writesReturnedAtFlush = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger writesReturned = new AtomicInteger();

        GatedDevice(MemoryBlockDevice inner) {
            this.inner = inner;
        }

        void open() {
            gate.countDown();
        }

        private void maybeWait(long offset) throws IOException {
            if (offset == GATED) {
                reached.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }

        @Override
        public long sizeBytes() {
            return inner.sizeBytes();
        }

        @Override
        public boolean readOnly() {
            return inner.readOnly();
        }

        @Override
        public Set<BlockCapability> capabilities() {
            return inner.capabilities();
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) throws IOException {
            maybeWait(offsetBytes);
            inner.read(offsetBytes, dst);
        }

        @Override
        public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
            maybeWait(offsetBytes);
            inner.write(offsetBytes, src, fua);
            writesReturned.incrementAndGet();
            events.add("write-done " + offsetBytes);
        }

        @Override
        public void flush() throws IOException {
            writesReturnedAtFlush.add(writesReturned.get());
            events.add("flush");
            inner.flush();
        }

        @Override
        public void discard(long offsetBytes, long lengthBytes) throws IOException {
            inner.discard(offsetBytes, lengthBytes);
        }

        @Override
        public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua)
                throws IOException {
            inner.writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua);
        }

        @Override
        public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
            return inner.allocation(offsetBytes, lengthBytes);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
