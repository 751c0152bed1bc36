package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Unix-socket client: a virtual thread reads and decodes requests and hands them to the
 * core; another writes the outbox. The outbox is bounded in bytes: a client that does not
 * read its replies and events fills it and is disconnected, so it cannot exhaust memory
 * (the XSA-326/416 class). Socket clients are dom0 and privileged, as in C xenstored.
 */
final class SocketConnection implements Outbox {

    private static final System.Logger LOG = System.getLogger("xenstored");

    private final SocketChannel channel;
    private final XenstoredCore core;
    private final long outboxLimitBytes;
    private final Runnable onClosed;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Connection connection;
    private Thread reader;
    private Thread writer;

    SocketConnection(SocketChannel channel, XenstoredCore core, long outboxLimitBytes, Runnable onClosed) {
        this.channel = channel;
        this.core = core;
        this.outboxLimitBytes = outboxLimitBytes;
        this.onClosed = onClosed;
        this.connection = core.connect(Caller.DOM0, this);
    }

    Connection connection() {
        return connection;
    }

    void start() {
        writer = Thread.ofVirtual().name("xenstored-" + connection + "-out").start(this::writeLoop);
        reader = Thread.ofVirtual().name("xenstored-" + connection + "-in").start(this::readLoop);
    }

    @Override
    public boolean offer(XsMessage message) {
        byte[] bytes = message.encode();
        if (queuedBytes.addAndGet(bytes.length) > outboxLimitBytes) {
            queuedBytes.addAndGet(-bytes.length);
            return false;
        }
        queue.add(bytes);
        return true;
    }

    private void readLoop() {
        XsMessageReader decoder = new XsMessageReader();
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        try {
            while (!closed.get()) {
                in.clear();
                if (channel.read(in) < 0) {
                    break;
                }
                in.flip();
                while (in.hasRemaining()) {
                    XsMessage m = decoder.read(in);
                    if (m != null) {
                        core.handle(connection, m);
                    }
                }
            }
        } catch (ProtocolViolationException e) {
            LOG.log(System.Logger.Level.WARNING, connection + ": " + e.getMessage() + "; dropping the connection");
        } catch (IOException e) {
            // peer went away or we closed the channel
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, connection + ": internal error; dropping the connection", e);
        } finally {
            close();
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                byte[] bytes = queue.take();
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    channel.write(b);
                }
                queuedBytes.addAndGet(-bytes.length);
            }
        } catch (IOException | InterruptedException e) {
            // closed
        } finally {
            close();
        }
    }

    /** Disconnects: the core forgets the connection, both threads end, the socket closes. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        core.disconnect(connection);
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
        queue.clear();
        if (writer != null) {
            writer.interrupt();
        }
        onClosed.run();
    }

    /** Waits for both threads to end. */
    void join() throws InterruptedException {
        if (reader != null) {
            reader.join();
        }
        if (writer != null) {
            writer.join();
        }
    }
}
