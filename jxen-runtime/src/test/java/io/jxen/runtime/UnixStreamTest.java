package io.jxen.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link UnixStream} against a plain NIO server: bytes both ways, in heap and direct buffers,
 * larger than its staging; an interrupt leaves a blocked read (and the connection) alone;
 * shutdown ends a blocked read; the peer's close is end of stream. {@link Timeout}s only guard
 * the build against a hang.
 */
class UnixStreamTest {

    @TempDir
    Path dir;

    private ServerSocketChannel listen() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
        return server;
    }

    /** A UnixStream and the server's end of its connection. */
    private record Connected(ServerSocketChannel server, UnixStream client, SocketChannel peer) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (server; client; peer) {
                // all three closed, in reverse order
            }
        }
    }

    private Connected connected() throws IOException {
        ServerSocketChannel server = listen();
        UnixStream client = UnixStream.connect(dir.resolve("s.sock"));
        return new Connected(server, client, server.accept());
    }

    @Test
    @Timeout(30)
    void bytesGoBothWaysWhateverTheBuffer() throws IOException {
        try (Connected c = connected()) {
            UnixStream client = c.client();
            SocketChannel peer = c.peer();
            byte[] big = new byte[10_000]; // more than the heap staging at once
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            client.writeFully(ByteBuffer.wrap(big));
            client.writeFully(ByteBuffer.allocateDirect(3).put(new byte[] {7, 8, 9}).flip());
            ByteBuffer got = ByteBuffer.allocate(big.length + 3);
            while (got.hasRemaining()) {
                peer.read(got);
            }
            assertThat(java.util.Arrays.copyOf(got.array(), big.length)).isEqualTo(big);
            assertThat(java.util.Arrays.copyOfRange(got.array(), big.length, big.length + 3)).containsExactly(7, 8, 9);

            peer.write(ByteBuffer.wrap(big));
            ByteBuffer heap = ByteBuffer.allocate(big.length);
            client.readFully(heap);
            assertThat(heap.array()).isEqualTo(big);
            peer.write(ByteBuffer.wrap(new byte[] {1, 2}));
            ByteBuffer direct = ByteBuffer.allocateDirect(2);
            client.readFully(direct);
            assertThat(direct.get(0)).isEqualTo((byte) 1);
            assertThat(direct.get(1)).isEqualTo((byte) 2);
        }
    }

    /** The point of the class: a socket channel would have closed itself for every user. */
    @Test
    @Timeout(30)
    void anInterruptLeavesABlockedReadAndTheConnectionAlone() throws Exception {
        try (Connected c = connected()) {
            UnixStream client = c.client();
            SocketChannel peer = c.peer();
            AtomicReference<Object> got = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(4);
                try {
                    client.readFully(b);
                    got.set(b.getInt());
                } catch (IOException e) {
                    got.set(e);
                }
                flagAfter.set(Thread.currentThread().isInterrupted());
            });
            while (reader.getState() != Thread.State.RUNNABLE || got.get() != null) {
                Thread.onSpinWait(); // until it runs (into its read: nothing else to do)
            }
            reader.interrupt();
            peer.write(ByteBuffer.allocate(4).putInt(42).flip());
            reader.join();
            assertThat(got.get()).isEqualTo(42);
            assertThat(flagAfter.get()).as("the flag is left for its owner").isTrue();
            client.writeFully(ByteBuffer.wrap(new byte[] {5}));
            ByteBuffer echo = ByteBuffer.allocate(1);
            peer.read(echo);
            assertThat(echo.get(0)).as("the connection is still there").isEqualTo((byte) 5);
        }
    }

    @Test
    @Timeout(30)
    void shutdownEndsABlockedReadAndThePeersCloseIsEndOfStream() throws Exception {
        try (ServerSocketChannel server = listen()) {
            UnixStream client = UnixStream.connect(dir.resolve("s.sock"));
            SocketChannel peer = server.accept();
            AtomicReference<Object> got = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    got.set(client.read(ByteBuffer.allocate(8)));
                } catch (IOException e) {
                    got.set(e);
                }
            });
            while (reader.getState() != Thread.State.RUNNABLE) {
                Thread.onSpinWait();
            }
            client.shutdown();
            reader.join();
            assertThat(got.get()).as("a read ended by shutdown: end of stream or an error")
                    .satisfiesAnyOf(v -> assertThat(v).isEqualTo(-1), v -> assertThat(v).isInstanceOf(IOException.class));
            assertThatThrownBy(() -> client.writeFully(ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
            client.close();
            client.close(); // idempotent
            peer.close();

            UnixStream second = UnixStream.connect(dir.resolve("s.sock"));
            server.accept().close();
            assertThat(second.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            assertThatThrownBy(() -> second.readFully(ByteBuffer.allocate(1))).isInstanceOf(EOFException.class);
            second.close();
        }
    }

    @Test
    void aMissingSocketIsAClearError() {
        assertThatThrownBy(() -> UnixStream.connect(dir.resolve("nobody.sock")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("connect: No such file or directory");
        assertThatThrownBy(() -> UnixStream.connect(dir.resolve("x".repeat(120))))
                .isInstanceOf(IOException.class).hasMessageContaining("sun_path");
    }
}
