package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw xs_wire client for tests: sends exact bytes, returns every message the daemon sends,
 * with bounded waits only.
 */
public final class RawSocketClient implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SocketChannel channel;
    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final Thread reader;

    public RawSocketClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        reader = Thread.ofPlatform().daemon().start(this::readLoop);
    }

    private void readLoop() {
        XsMessageReader decoder = new XsMessageReader();
        ByteBuffer in = ByteBuffer.allocate(65536);
        try {
            while (true) {
                in.clear();
                if (channel.read(in) < 0) {
                    break;
                }
                in.flip();
                XsMessage m;
                while ((m = decoder.read(in)) != null) {
                    received.add(m);
                }
            }
        } catch (IOException | ProtocolViolationException e) {
            // fall through: closed
        }
        received.add("EOF");
    }

    public void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    public void send(XsMessage m) throws IOException {
        sendRaw(m.encode());
    }

    /** The next message, or null at EOF; fails after the timeout. */
    public XsMessage next() throws InterruptedException {
        Object o = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            throw new AssertionError("no message from the daemon within " + TIMEOUT);
        }
        return o instanceof XsMessage m ? m : null;
    }

    /** Sends a request and collects messages up to and including its reply (events before it). */
    public List<XsMessage> call(XsMessage req) throws IOException, InterruptedException {
        send(req);
        List<XsMessage> out = new ArrayList<>();
        while (true) {
            XsMessage m = next();
            if (m == null) {
                out.add(null);
                return out;
            }
            out.add(m);
            if (m.type() != XsMessageTypes.WATCH_EVENT) {
                if (req.type() == XsMessageTypes.WATCH && m.type() == XsMessageTypes.WATCH) {
                    out.add(next());
                }
                return out;
            }
        }
    }

    /** True when the daemon closed the connection within the timeout. */
    public boolean closedByPeer() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Object o = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if ("EOF".equals(o)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
