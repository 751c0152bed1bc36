package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Unix-socket client, served by the {@link XenstoredServer}'s event loop: non-blocking
 * reads are decoded and handed to the core; replies and events queue in a bounded outbox
 * and are written without blocking. A client that does not read fills its outbox and is
 * disconnected, so it cannot exhaust memory (the XSA-326/416 class). Socket clients are
 * dom0 and privileged, as in C xenstored.
 *
 * <p>Threading: everything but {@link #offer} runs on the event loop thread; {@code offer}
 * may also be called by other threads (events caused by in-process connections).
 */
final class SocketConnection implements Outbox {

    private static final System.Logger LOG = System.getLogger("xenstored");
    /** Bytes read from one client per readiness event, so one client cannot starve others. */
    private static final int READ_BUDGET_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final XenstoredCore core;
    private final XenstoredServer server;
    private final long outboxLimitBytes;
    private final Connection connection;
    private final XsMessageReader decoder = new XsMessageReader();
    /** Messages queued for the peer, encoded only when they go (into the loop's direct buffer). */
    private final ConcurrentLinkedQueue<XsMessage> out = new ConcurrentLinkedQueue<>();
    /** Bytes of the head of {@link #out} already written (a partial write; loop thread). */
    private int headSent;
    private final AtomicLong outBytes = new AtomicLong();
    /** Set while this connection is on the server's dirty list, so it is listed once. */
    private final java.util.concurrent.atomic.AtomicBoolean flushScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private SelectionKey key;
    private boolean closed;

    SocketConnection(SocketChannel channel, XenstoredCore core, XenstoredServer server, long outboxLimitBytes) {
        this.channel = channel;
        this.core = core;
        this.server = server;
        this.outboxLimitBytes = outboxLimitBytes;
        this.connection = core.connect(Caller.DOM0, this);
    }

    Connection connection() {
        return connection;
    }

    void attach(SelectionKey selectionKey) {
        this.key = selectionKey;
    }

    @Override
    public boolean offer(XsMessage message) {
        int size = message.wireSize();
        if (outBytes.addAndGet(size) > outboxLimitBytes) {
            outBytes.addAndGet(-size);
            return false;
        }
        out.add(message);
        if (flushScheduled.compareAndSet(false, true)) {
            server.markDirty(this);
        }
        return true;
    }

    /** The socket is readable: decode and execute what arrived (loop thread). */
    void onReadable() {
        int budget = READ_BUDGET_BYTES;
        // The loop's buffer: the decoder consumes every byte before the next connection's turn.
        ByteBuffer in = server.readBuffer();
        try {
            while (budget > 0 && !closed) {
                in.clear();
                int n = channel.read(in);
                if (n < 0) {
                    close();
                    return;
                }
                if (n == 0) {
                    return;
                }
                budget -= n;
                in.flip();
                while (in.hasRemaining() && !closed) {
                    XsMessage m = decoder.read(in);
                    if (m != null) {
                        core.handle(connection, m);
                    }
                }
                if (n < in.capacity()) {
                    // A short read emptied the socket's queue: skip the read that would
                    // only say EAGAIN (one syscall less per request); epoll reports more.
                    return;
                }
            }
        } catch (ProtocolViolationException e) {
            LOG.log(System.Logger.Level.WARNING, connection + ": " + e.getMessage() + "; dropping the connection");
            close();
        } catch (IOException e) {
            close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, connection + ": internal error; dropping the connection", e);
            close();
        }
    }

    /** Writes what the socket takes without blocking; asks for OP_WRITE if more is left (loop thread). */
    void flush() {
        flushScheduled.set(false);
        if (closed) {
            return;
        }
        // Only messages queued before the journal force may go: their records are durable.
        int budget = out.size();
        if (budget > 0 && !core.syncJournal()) {
            close();
            return;
        }
        try {
            // Everything queued (up to the loop's buffer) goes in one write: a reply and the
            // events before it cost one syscall, not one each, and the messages are encoded
            // straight into a direct buffer, which the JDK writes without a copy.
            ByteBuffer buf = server.writeBuffer();
            while (budget > 0) {
                buf.clear();
                int k = 0;
                for (java.util.Iterator<XsMessage> it = out.iterator(); it.hasNext() && k < budget; k++) {
                    XsMessage m = it.next();
                    if (buf.remaining() < m.wireSize()) {
                        break;
                    }
                    m.encodeInto(buf);
                }
                if (k == 0) {
                    break;
                }
                buf.flip().position(headSent);
                int written = channel.write(buf);
                outBytes.addAndGet(-written);
                int sent = headSent + written;
                XsMessage head;
                while ((head = out.peek()) != null && sent >= head.wireSize() && budget > 0) {
                    sent -= head.wireSize();
                    out.poll();
                    budget--;
                }
                headSent = sent;
                if (buf.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            if (!out.isEmpty() && flushScheduled.compareAndSet(false, true)) {
                server.markDirty(this);
            }
        } catch (IOException e) {
            close();
        }
    }

    /** Disconnects: the core forgets the connection and the socket closes (loop thread). */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        core.disconnect(connection);
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
        out.clear();
        server.forget(this);
    }
}
