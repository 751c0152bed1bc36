package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XenstoredServerTest {

    @TempDir
    Path dir;

    @Test
    void removesAStaleSocketAndCleansUpOnClose() throws Exception {
        Path sock = dir.resolve("socket");
        // A socket file nobody listens on any more: what a killed daemon leaves behind.
        try (java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel
                .open(java.net.StandardProtocolFamily.UNIX)) {
            dead.bind(java.net.UnixDomainSocketAddress.of(sock));
        }
        assertThat(sock).exists();
        try (XenstoredServer _ = XenstoredServer.start(sock)) {
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            try (RawSocketClient c = new RawSocketClient(sock)) {
                List<XsMessage> r = c.call(XsMessage.ofStrings(XsMessageTypes.DIRECTORY, 7, 0, "/"));
                assertThat(r).containsExactly(XsMessage.ofStrings(XsMessageTypes.DIRECTORY, 7, 0, "tool"));
            }
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void refusesToStartOnALiveDaemonsSocket() throws Exception {
        Path sock = dir.resolve("socket");
        try (XenstoredServer first = XenstoredServer.start(sock)) {
            assertThatThrownBy(() -> XenstoredServer.start(sock))
                    .isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
                    .hasMessageContaining("live xenstored");
            // The first daemon still serves on its socket.
            try (RawSocketClient c = new RawSocketClient(sock)) {
                assertThat(c.call(XsMessage.ofStrings(XsMessageTypes.DIRECTORY, 7, 0, "/")))
                        .containsExactly(XsMessage.ofStrings(XsMessageTypes.DIRECTORY, 7, 0, "tool"));
            }
            assertThat(first.clientCount()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void refusesToReplaceARegularFile() throws Exception {
        Path sock = dir.resolve("socket");
        Files.writeString(sock, "precious");
        assertThatThrownBy(() -> XenstoredServer.start(sock))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
                .hasMessageContaining("regular file");
        assertThat(sock).hasContent("precious");
    }

    @Test
    void refusesToReplaceADirectory() throws Exception {
        Path sock = dir.resolve("socket");
        Files.createDirectory(sock);
        Files.writeString(sock.resolve("inside"), "x");
        assertThatThrownBy(() -> XenstoredServer.start(sock))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
                .hasMessageContaining("directory");
        assertThat(sock.resolve("inside")).hasContent("x");
    }

    @Test
    void anOversizedPayloadKillsOnlyThatConnection() throws Exception {
        Path sock = dir.resolve("socket");
        try (XenstoredServer _ = XenstoredServer.start(sock);
             RawSocketClient bad = new RawSocketClient(sock);
             RawSocketClient good = new RawSocketClient(sock)) {
            ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(XsMessageTypes.WRITE).putInt(0).putInt(0).putInt(4097);
            bad.sendRaw(h.array());
            assertThat(bad.closedByPeer()).isTrue();
            assertThat(good.call(XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/tool")))
                    .containsExactly(new XsMessage(XsMessageTypes.READ, 1, 0, new byte[0]));
        }
    }

    @Test
    void withBusyPollingRepliesAndEventsFromOtherThreadsStillFlow() throws Exception {
        Path sock = dir.resolve("socket");
        try (XenstoredServer s = XenstoredServer.start(sock).busyPoll(50);
             RawSocketClient a = new RawSocketClient(sock);
             RawSocketClient b = new RawSocketClient(sock)) {
            for (int i = 0; i < 500; i++) {
                RawSocketClient c = i % 2 == 0 ? a : b;
                assertThat(c.call(XsMessage.ofStrings(XsMessageTypes.MKDIR, i, 0, "/bp/" + i)).getLast().type())
                        .isEqualTo(XsMessageTypes.MKDIR);
                assertThat(c.call(XsMessage.ofStrings(XsMessageTypes.DIRECTORY, i, 0, "/bp")).getLast().payload().length)
                        .isPositive();
            }
            assertThat(a.call(XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/bp", "t"))).hasSize(2);
            // An in-process connection's write, on this thread: the event reaches the socket
            // client through the dirty list (a wake-up of the polling or blocked loop).
            Connection local = s.core().connect(io.jxen.xenstore.store.Caller.DOM0, m -> true);
            s.core().handle(local, XsMessage.ofStrings(XsMessageTypes.MKDIR, 1, 0, "/bp/local"));
            XsMessage event = a.next();
            assertThat(event.type()).isEqualTo(XsMessageTypes.WATCH_EVENT);
            assertThat(event.payloadText()).startsWith("/bp/local");
        }
    }

    @Test
    void theLoopPollsOnlyWhileACoreIsSpare() throws Exception {
        for (boolean spare : new boolean[] {true, false}) {
            Path sock = dir.resolve("socket-" + spare);
            // A clock that steps 1 µs per reading: the gaps the loop sees, and so whether a
            // window opens, depend on the loop's own steps, not on this machine's speed.
            java.util.concurrent.atomic.AtomicLong t = new java.util.concurrent.atomic.AtomicLong();
            io.jxen.runtime.Clock stepping = new io.jxen.runtime.Clock() {
                @Override
                public long nanoTime() {
                    return t.addAndGet(1_000);
                }

                @Override
                public long epochNanos() {
                    return t.get();
                }
            };
            XenstoredServer daemon;
            try (XenstoredServer s = XenstoredServer.start(sock).busyPoll(50)
                    .spareCore(io.jxen.runtime.SpareCore.fixed(spare)).loopClock(stepping);
                 RawSocketClient c = new RawSocketClient(sock)) {
                daemon = s;
                for (int i = 0; i < 100; i++) {
                    assertThat(c.call(XsMessage.ofStrings(XsMessageTypes.READ, i, 0, "/tool")).getLast().type())
                            .isEqualTo(XsMessageTypes.READ);
                }
                if (spare) {
                    assertThat(s.busyPollWindows()).as("quick requests and a core to spare: the loop polls").isPositive();
                } else {
                    assertThat(s.busyPollWindows()).as("no core to spare: the loop blocks at once").isZero();
                }
            }
            // Closed: the summary is exact. Quick requests would have opened windows; without a
            // spare core the gate closed every one of them.
            String summary = daemon.busyPollSummary();
            assertThat(summary).startsWith("max_us=50 windows=" + daemon.busyPollWindows() + " gate_closed=");
            if (spare) {
                assertThat(summary).contains(" gate_closed=0 ");
            } else {
                assertThat(summary).contains("windows=0 ").doesNotContain(" gate_closed=0 ");
            }
        }
    }

    @Test
    void repliesLargerThanTheSocketBufferArriveWholeAndInOrder() throws Exception {
        Path sock = dir.resolve("socket");
        byte[] value = new byte[4000];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        try (XenstoredServer _ = XenstoredServer.start(sock);
             java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(sock));
            ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            byte[] write = new byte[3 + value.length];
            System.arraycopy("/v\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, write, 0, 3);
            System.arraycopy(value, 0, write, 3, value.length);
            all.put(new XsMessage(XsMessageTypes.WRITE, 1, 0, write).encode());
            int reads = 400;
            for (int i = 0; i < reads; i++) {
                all.put(XsMessage.ofStrings(XsMessageTypes.READ, 100 + i, 0, "/v").encode());
            }
            // 1.6 MB of replies to requests sent before any is read: the daemon's writes
            // fill the socket, end short and resume on OP_WRITE mid-message.
            all.flip();
            while (all.hasRemaining()) {
                ch.write(all);
            }
            io.jxen.xenstore.wire.XsMessageReader decoder = new io.jxen.xenstore.wire.XsMessageReader();
            ByteBuffer in = ByteBuffer.allocate(7000);
            List<XsMessage> got = new java.util.ArrayList<>();
            while (got.size() < reads + 1) {
                in.clear();
                assertThat(ch.read(in)).isPositive();
                in.flip();
                XsMessage m;
                while ((m = decoder.read(in)) != null) {
                    got.add(m);
                }
            }
            assertThat(got.getFirst().type()).isEqualTo(XsMessageTypes.WRITE);
            for (int i = 0; i < reads; i++) {
                assertThat(got.get(1 + i)).isEqualTo(new XsMessage(XsMessageTypes.READ, 100 + i, 0, value));
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWithTheirIds() throws Exception {
        Path sock = dir.resolve("socket");
        try (XenstoredServer _ = XenstoredServer.start(sock); RawSocketClient c = new RawSocketClient(sock)) {
            ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            for (int i = 0; i < 200; i++) {
                all.put(XsMessage.ofStrings(XsMessageTypes.WRITE, 1000 + i, 0, "/p/" + i).encode());
            }
            byte[] bytes = new byte[all.position()];
            all.flip().get(bytes);
            c.sendRaw(bytes);
            for (int i = 0; i < 200; i++) {
                XsMessage m = c.next();
                assertThat(m.type()).isEqualTo(XsMessageTypes.WRITE);
                assertThat(m.requestId()).isEqualTo(1000 + i);
            }
        }
    }

    @Test
    void aClientThatNeverReadsIsDroppedWithBoundedMemory() throws Exception {
        Path sock = dir.resolve("socket");
        long limit = 64 * 1024;
        try (XenstoredServer _ = XenstoredServer.start(sock, Quotas.XEN_4_17, limit);
             java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(sock));
            try (RawSocketClient setup = new RawSocketClient(sock)) {
                setup.call(XsMessage.ofStrings(XsMessageTypes.WRITE, 1, 0, "/big", "x".repeat(4000)));
            }
            byte[] read = XsMessage.ofStrings(XsMessageTypes.READ, 0, 0, "/big").encode();
            ByteBuffer many = ByteBuffer.allocate(read.length * 64);
            for (int i = 0; i < 64; i++) {
                many.put(read);
            }
            boolean dropped = false;
            // Replies are ~4 KiB each and never read: socket buffers plus the 64 KiB outbox
            // fill, and the daemon must drop us rather than queue without bound.
            for (int round = 0; round < 10_000 && !dropped; round++) {
                many.flip();
                try {
                    while (many.hasRemaining()) {
                        ch.write(many);
                    }
                } catch (java.io.IOException e) {
                    dropped = true;
                }
                many.clear().position(many.capacity());
            }
            assertThat(dropped).isTrue();
            try (RawSocketClient c = new RawSocketClient(sock)) {
                assertThat(c.call(XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/tool"))).hasSize(1);
            }
        }
    }

    @Test
    void manyClientsAtOnce() throws Exception {
        Path sock = dir.resolve("socket");
        try (XenstoredServer s = XenstoredServer.start(sock)) {
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int k = 0; k < 32; k++) {
                int id = k;
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    try (RawSocketClient c = new RawSocketClient(sock)) {
                        for (int i = 0; i < 50; i++) {
                            c.call(XsMessage.ofStrings(XsMessageTypes.WRITE, i, 0, "/c" + id + "/k" + i, "v" + i));
                            List<XsMessage> r = c.call(XsMessage.ofStrings(XsMessageTypes.READ, i, 0, "/c" + id + "/k" + i));
                            assertThat(r.getFirst().payloadText()).as("ofStrings writes the NUL into the value").isEqualTo("v" + i + "\\0");
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertThat(failures).isEmpty();
            assertThat(s.core().checkStore()).isEmpty();
        }
    }
}
