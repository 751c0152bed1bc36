package io.jxen.xenstore.client;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.runtime.UnixStream;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A xenstore connection over a Unix socket. Thread-safe: any number of threads may have
 * requests in flight; each gets a fresh req_id and its reply is matched by it. Watch events
 * go to their listeners on one event thread, in arrival order, through a bounded
 * {@link WatchEventQueue} (duplicates coalesce; a flood collapses into one rescan event).
 *
 * <pre>{@code
 * try (XenstoreClient xs = XenstoreClient.connect(Path.of(System.getenv("XENSTORED_PATH")))) {
 *     xs.write("/vm/name", "guest1");
 *     xs.inTransaction(tx -> { tx.write("/a", "1"); tx.write("/b", "2"); return null; });
 * }
 * }</pre>
 */
public final class XenstoreClient implements AutoCloseable {

    private final UnixStream channel;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicInteger nextRequestId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<XsMessage>> pending = new ConcurrentHashMap<>();
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "xenstore-client-events");
        t.setDaemon(true);
        return t;
    });
    private final WatchEventQueue watchEvents = new WatchEventQueue(events);
    private final Thread reader;
    private volatile IOException failure;

    private XenstoreClient(UnixStream channel) {
        this.channel = channel;
        // A daemon platform thread, not a virtual one: every request's reply arrives through
        // it, and under load JDK 25.0.3's virtual-thread scheduler left a runnable virtual
        // thread unmounted for the whole of a 30 s wait (found for the guest's interrupt
        // threads, see InterruptThreads); a toolstack waiting on this reader then hangs.
        this.reader = Thread.ofPlatform().daemon().name("xenstore-client-reader").start(this::readLoop);
    }

    /**
     * Connects to a daemon.
     *
     * @param socket the daemon's socket ({@code XENSTORED_PATH})
     * @return the client
     * @throws IOException if the connection fails
     */
    public static XenstoreClient connect(Path socket) throws IOException {
        return new XenstoreClient(UnixStream.connect(socket));
    }

    private void readLoop() {
        XsMessageReader decoder = new XsMessageReader();
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        try {
            while (true) {
                in.clear();
                if (channel.read(in) < 0) {
                    throw new IOException("xenstored closed the connection");
                }
                in.flip();
                while (in.hasRemaining()) {
                    XsMessage m = decoder.read(in);
                    if (m != null) {
                        dispatch(m);
                    }
                }
            }
        } catch (IOException | ProtocolViolationException e) {
            failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            for (CompletableFuture<XsMessage> f : pending.values()) {
                f.completeExceptionally(failure);
            }
            pending.clear();
        }
    }

    private void dispatch(XsMessage m) {
        if (m.type() == XsMessageTypes.WATCH_EVENT) {
            List<String> s = XsPayload.strings(m.payload());
            if (s.size() >= 2) {
                watchEvents.offer(s.get(0), s.get(1));
            }
            return;
        }
        CompletableFuture<XsMessage> f = pending.remove(m.requestId());
        if (f != null) {
            f.complete(m);
        }
    }

    /**
     * Sends a raw request and waits for its reply.
     *
     * @param type          message type
     * @param transactionId 0 or a transaction id
     * @param payload       the payload
     * @return the reply payload
     * @throws XenstoreException the daemon's error
     * @throws IOException       if the connection failed
     */
    public byte[] request(int type, int transactionId, byte[] payload) throws XenstoreException, IOException {
        int id = nextRequestId.getAndIncrement();
        CompletableFuture<XsMessage> f = new CompletableFuture<>();
        pending.put(id, f);
        if (failure != null) {
            pending.remove(id);
            throw failure;
        }
        ByteBuffer b = ByteBuffer.wrap(new XsMessage(type, id, transactionId, payload).encode());
        writeLock.lock();
        try {
            // An interrupted caller fails here, its request unsent: an error then means nothing
            // was done. The connection is every user's (the toolstack, a backend bus, the
            // control socket), and a UnixStream, which an interrupt during the write itself
            // leaves alone too (a socket channel would have closed itself for all of them).
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted before sending " + XsMessageTypes.name(type));
            }
            channel.writeFully(b);
        } catch (IOException e) {
            pending.remove(id);
            throw e;
        } finally {
            writeLock.unlock();
        }
        XsMessage reply;
        try {
            reply = f.get();
        } catch (InterruptedException e) {
            pending.remove(id);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        if (reply.type() == XsMessageTypes.ERROR) {
            String name = new String(reply.payload(), StandardCharsets.US_ASCII).replace("\0", "");
            throw new XenstoreException(XsError.ofName(name));
        }
        if (reply.type() != type) {
            throw new IOException("reply type " + XsMessageTypes.name(reply.type()) + " to " + XsMessageTypes.name(type));
        }
        return reply.payload();
    }

    byte[] request(int type, int transactionId, String... args) throws XenstoreException, IOException {
        return request(type, transactionId, XsPayload.joinStrings(args));
    }

    /** Bytes as text, byte for byte. */
    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Operations outside any transaction. */
    public XenstoreOps ops() {
        return new XenstoreOps(this, 0);
    }

    /** @see XenstoreOps#read(String) */
    public String read(String path) throws XenstoreException, IOException {
        return ops().read(path);
    }

    /** @see XenstoreOps#write(String, String) */
    public void write(String path, String value) throws XenstoreException, IOException {
        ops().write(path, value);
    }

    /** @see XenstoreOps#mkdir(String) */
    public void mkdir(String path) throws XenstoreException, IOException {
        ops().mkdir(path);
    }

    /** @see XenstoreOps#rm(String) */
    public void rm(String path) throws XenstoreException, IOException {
        ops().rm(path);
    }

    /** @see XenstoreOps#directory(String) */
    public List<String> directory(String path) throws XenstoreException, IOException {
        return ops().directory(path);
    }

    /** @see XenstoreOps#getPerms(String) */
    public List<String> getPerms(String path) throws XenstoreException, IOException {
        return ops().getPerms(path);
    }

    /** @see XenstoreOps#setPerms(String, List) */
    public void setPerms(String path, List<String> perms) throws XenstoreException, IOException {
        ops().setPerms(path, perms);
    }

    /**
     * Registers a watch; the daemon fires it once at once, then on every change.
     *
     * @param path     node path (relative to the home path if not absolute) or {@code @…}
     * @param token    identifies the watch in events; one listener per token
     * @param listener called on the event thread
     * @throws XenstoreException EEXIST for a duplicate, EINVAL for a bad path
     * @throws IOException       if the connection failed
     */
    public void watch(String path, String token, WatchListener listener) throws XenstoreException, IOException {
        watchEvents.register(path, token, listener);
        try {
            request(XsMessageTypes.WATCH, 0, path, token);
        } catch (XenstoreException | IOException e) {
            watchEvents.unregister(token, listener);
            throw e;
        }
    }

    /**
     * Removes a watch.
     *
     * @param path  as registered
     * @param token as registered
     * @throws XenstoreException ENOENT if there is no such watch
     * @throws IOException       if the connection failed
     */
    public void unwatch(String path, String token) throws XenstoreException, IOException {
        request(XsMessageTypes.UNWATCH, 0, path, token);
        watchEvents.unregister(token);
    }

    /**
     * Starts a transaction; finish it with {@link XenstoreTransaction#commit()} or
     * {@link XenstoreTransaction#abort()}.
     *
     * @return the transaction
     * @throws XenstoreException ENOSPC over the transaction quota
     * @throws IOException       if the connection failed
     */
    public XenstoreTransaction startTransaction() throws XenstoreException, IOException {
        String id = text(request(XsMessageTypes.TRANSACTION_START, 0, "")).replace("\0", "");
        return new XenstoreTransaction(this, Integer.parseUnsignedInt(id));
    }

    /** The body of a transaction, run again from scratch after EAGAIN. */
    @FunctionalInterface
    public interface TransactionBody<T> {
        /**
         * @param tx operations inside the transaction
         * @return the result
         * @throws XenstoreException an error aborts the transaction
         * @throws IOException       if the connection failed
         */
        T run(XenstoreOps tx) throws XenstoreException, IOException;
    }

    /**
     * Runs {@code body} in a transaction and commits, starting over whenever the commit
     * fails with EAGAIN (as libxenstore's users do); other errors abort and propagate.
     *
     * @param body the work
     * @param <T>  result type
     * @return the body's result of the committed attempt
     * @throws XenstoreException a non-EAGAIN error
     * @throws IOException       if the connection failed
     */
    public <T> T inTransaction(TransactionBody<T> body) throws XenstoreException, IOException {
        while (true) {
            XenstoreTransaction tx = startTransaction();
            T result;
            try {
                result = body.run(tx.ops());
            } catch (XenstoreException | IOException | RuntimeException e) {
                try {
                    tx.abort();
                } catch (XenstoreException ignored) {
                    // the original failure matters
                }
                throw e;
            }
            if (tx.commit()) {
                return result;
            }
        }
    }

    /** The watch event queue (its counters show coalesced and collapsed events). */
    public WatchEventQueue watchEvents() {
        return watchEvents;
    }

    /** Closes the connection; requests in flight fail. */
    @Override
    public void close() throws IOException {
        channel.shutdown(); // the reader's read returns: end of stream
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeLock.lock();
        try {
            channel.close(); // no writer left in it: the descriptor may go
        } finally {
            writeLock.unlock();
        }
        events.shutdown();
    }

    static List<String> list(byte[] payload) {
        return new ArrayList<>(XsPayload.strings(payload));
    }
}
