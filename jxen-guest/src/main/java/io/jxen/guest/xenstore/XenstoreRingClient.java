package io.jxen.guest.xenstore;

import io.jxen.abi.XenPage;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.xenstore.client.WatchEventQueue;
import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The xs_* API over the domain's xenstore ring (Linux's xenbus_comms/xenbus_xs, FreeBSD's
 * {@code xs.c}): the ring page and event channel come from start_info ({@code store_mfn},
 * {@code store_evtchn}); the channel is bound through {@code xen_intr} as IRQ {@code xenstore}.
 *
 * <p>Any number of threads may have requests in flight: each gets a fresh {@code req_id}, its
 * encoded message is queued whole (so requests never interleave on the ring) and its reply is
 * matched by id, which avoids the {@code xs_read_reply} race of a single shared reply slot.
 * Nothing blocks on ring space: the queue drains whenever the server frees space and notifies.
 * Watch events are handed to their listener on the watch executor ("xenwatch"), in arrival
 * order, through a bounded {@link WatchEventQueue}: the server (and any domain writing under a
 * watched path) cannot grow the guest's memory with a flood of events (XSA-349). A hostile index or an oversized message fails the connection: every pending and later
 * request fails with an {@link IOException}.
 *
 * <p>Blocking methods must not be called from an interrupt filter or from the only thread that
 * runs the vCPUs' upcalls; {@link #submit} is the non-blocking form.
 */
public final class XenstoreRingClient implements AutoCloseable {

    /** The interrupt's name in {@code vmstat -i}. */
    public static final String IRQ_NAME = "xenstore";

    private final GuestKernel kernel;
    private final XenstoreRing ring;
    private final int irq;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<ByteBuffer> outgoing = new ArrayDeque<>();
    private final ByteBuffer inBuffer = ByteBuffer.allocate(XenstoreRing.RING_SIZE);
    private final XsMessageReader decoder = new XsMessageReader();
    private final Map<Integer, CompletableFuture<XsMessage>> pending = new ConcurrentHashMap<>();
    private final WatchEventQueue watches;
    private int nextRequestId = 1;
    private volatile IOException failure;
    /** The watch thread {@link #open} made, stopped by {@link #close}; null when the caller gave one. */
    private java.util.concurrent.ExecutorService ownWatchThread;

    /**
     * Connects to the ring start_info names and binds its event channel.
     *
     * @param kernel      the booted guest
     * @param watchThread where watch callbacks run, one at a time in order (a single thread)
     */
    public XenstoreRingClient(GuestKernel kernel, Executor watchThread) {
        this.kernel = kernel;
        this.watches = new WatchEventQueue(watchThread);
        this.ring = new XenstoreRing(kernel.memory().page(kernel.storeGfn()));
        this.irq = kernel.intr().bindLocalPort(IRQ_NAME, kernel.storeEvtchn(), IrqHandler.edgeThread(this::pump));
    }

    /**
     * A client whose watch callbacks run on a daemon platform thread named {@code xenwatch}
     * (Linux's xenwatch kthread).
     */
    public static XenstoreRingClient open(GuestKernel kernel) {
        java.util.concurrent.ExecutorService xenwatch = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("xenwatch-d" + kernel.domid()).unstarted(r));
        XenstoreRingClient client;
        try {
            client = new XenstoreRingClient(kernel, xenwatch);
        } catch (RuntimeException e) {
            xenwatch.shutdownNow();
            throw e;
        }
        client.ownWatchThread = xenwatch;
        return client;
    }

    /** The IRQ of the store channel. */
    public int irq() {
        return irq;
    }

    /** Guest-physical address of the ring page. */
    public long ringGpa() {
        return kernel.storeGfn() << XenPage.SHIFT;
    }

    /** The failure that closed the connection, or null. */
    public IOException failure() {
        return failure;
    }

    /** The watch event queue (its counters show coalesced and collapsed events). */
    public WatchEventQueue watchEvents() {
        return watches;
    }

    /** Requests waiting for their reply. */
    public int inFlight() {
        return pending.size();
    }

    /**
     * Sends a request without waiting.
     *
     * @return the reply (an {@code XS_ERROR} reply completes it exceptionally with a
     *         {@link XenstoreException}); a broken connection completes it with an {@link IOException}
     */
    public CompletableFuture<byte[]> submit(int type, int transactionId, byte[] payload) {
        CompletableFuture<XsMessage> reply = new CompletableFuture<>();
        lock.lock();
        try {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            int id;
            do {
                id = nextRequestId++;
            } while (pending.containsKey(id));
            pending.put(id, reply);
            outgoing.add(ByteBuffer.wrap(new XsMessage(type, id, transactionId, payload).encode()));
            flushLocked();
        } finally {
            lock.unlock();
        }
        return reply.thenCompose(m -> {
            if (m.type() == XsMessageTypes.ERROR) {
                String name = new String(m.payload(), StandardCharsets.US_ASCII).replace("\0", "");
                return CompletableFuture.failedFuture(new XenstoreException(XsError.ofName(name)));
            }
            if (m.type() != type) {
                return CompletableFuture.failedFuture(new IOException("reply type " + XsMessageTypes.name(m.type())
                        + " to " + XsMessageTypes.name(type)));
            }
            return CompletableFuture.completedFuture(m.payload());
        });
    }

    /** {@link #submit} of NUL-terminated strings. */
    public CompletableFuture<byte[]> submit(int type, int transactionId, String... args) {
        return submit(type, transactionId, XsPayload.joinStrings(args));
    }

    private void flushLocked() {
        boolean wrote = false;
        try {
            while (!outgoing.isEmpty()) {
                ByteBuffer b = outgoing.peek();
                if (ring.write(b) > 0) {
                    wrote = true;
                }
                if (b.hasRemaining()) {
                    break;
                }
                outgoing.poll();
            }
        } catch (IOException e) {
            failLocked(e);
        }
        if (wrote) {
            notifyStore();
        }
    }

    /**
     * Tells the store there is work. A refused notification (the domain is being destroyed:
     * {@code -ESRCH}) breaks the connection like any I/O failure, so callers get an
     * {@link IOException} rather than a runtime exception out of a watch callback.
     */
    private void notifyStore() {
        try {
            kernel.intr().notify(irq);
        } catch (XenException e) {
            failLocked(new IOException("xenstore ring: " + e.getMessage(), e));
        }
    }

    /**
     * Moves bytes both ways: queued requests into free ring space, responses out of the ring
     * into replies and watch events. Run by the {@code xenstore} interrupt thread; tests may
     * call it directly.
     *
     * @return messages received
     */
    public int pump() {
        List<XsMessage> received = new ArrayList<>();
        lock.lock();
        try {
            if (failure != null) {
                return 0;
            }
            boolean freed = false;
            while (true) {
                inBuffer.clear();
                int n = ring.read(inBuffer);
                if (n == 0) {
                    break;
                }
                freed = true;
                inBuffer.flip();
                while (inBuffer.hasRemaining()) {
                    XsMessage m = decoder.read(inBuffer);
                    if (m != null) {
                        received.add(m);
                    }
                }
            }
            flushLocked();
            if (freed && failure == null) {
                notifyStore(); // xb_read: tell the server its response space is free
            }
        } catch (IOException e) {
            failLocked(e);
        } catch (ProtocolViolationException e) {
            failLocked(new IOException("xenstore ring: " + e.getMessage(), e));
        } finally {
            lock.unlock();
        }
        for (XsMessage m : received) {
            dispatch(m);
        }
        return received.size();
    }

    private void dispatch(XsMessage m) {
        if (m.type() == XsMessageTypes.WATCH_EVENT) {
            List<String> s = XsPayload.strings(m.payload());
            if (s.size() >= 2) {
                watches.offer(s.get(0), s.get(1));
            }
            return;
        }
        CompletableFuture<XsMessage> f = pending.remove(m.requestId());
        if (f != null) {
            f.complete(m);
        }
    }

    private void failLocked(IOException e) {
        if (failure == null) {
            failure = e;
        }
        outgoing.clear();
        for (CompletableFuture<XsMessage> f : pending.values()) {
            f.completeExceptionally(failure);
        }
        pending.clear();
    }

    // ---- the blocking xs_* API ---------------------------------------------------------------

    private static byte[] await(CompletableFuture<byte[]> f) throws XenstoreException, IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for xenstore", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof XenstoreException x) {
                throw new XenstoreException(x.error(), x.getMessage());
            }
            if (c instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException(c);
        }
    }

    byte[] request(int type, int tx, String... args) throws XenstoreException, IOException {
        return await(submit(type, tx, args));
    }

    byte[] request(int type, int tx, byte[] payload) throws XenstoreException, IOException {
        return await(submit(type, tx, payload));
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Operations outside a transaction ({@code XBT_NIL}). */
    public XsOps ops() {
        return new XsOps(this, 0);
    }

    /** {@code xs_read}. */
    public String read(String path) throws XenstoreException, IOException {
        return ops().read(path);
    }

    /** {@code xs_write}. */
    public void write(String path, String value) throws XenstoreException, IOException {
        ops().write(path, value);
    }

    /** {@code xs_mkdir}. */
    public void mkdir(String path) throws XenstoreException, IOException {
        ops().mkdir(path);
    }

    /** {@code xs_rm}. */
    public void rm(String path) throws XenstoreException, IOException {
        ops().rm(path);
    }

    /** {@code xs_directory}. */
    public List<String> directory(String path) throws XenstoreException, IOException {
        return ops().directory(path);
    }

    /**
     * {@code xs_watch}: the listener runs on the watch executor; Xen fires each new watch once.
     *
     * @throws XenstoreException EEXIST for a duplicate token and path
     */
    public void watch(String path, String token, WatchListener listener) throws XenstoreException, IOException {
        watches.register(path, token, listener);
        try {
            request(XsMessageTypes.WATCH, 0, path, token);
        } catch (XenstoreException | IOException e) {
            watches.unregister(token, listener);
            throw e;
        }
    }

    /** {@code xs_unwatch}. */
    public void unwatch(String path, String token) throws XenstoreException, IOException {
        request(XsMessageTypes.UNWATCH, 0, path, token);
        watches.unregister(token);
    }

    /** {@code xs_transaction_start}: the transaction id. */
    public int transactionStart() throws XenstoreException, IOException {
        return Integer.parseUnsignedInt(text(request(XsMessageTypes.TRANSACTION_START, 0, "")).replace("\0", ""));
    }

    /**
     * {@code xs_transaction_end}.
     *
     * @return false if the commit failed with EAGAIN (the caller redoes the transaction)
     */
    public boolean transactionEnd(int tx, boolean commit) throws XenstoreException, IOException {
        try {
            request(XsMessageTypes.TRANSACTION_END, tx, commit ? "T" : "F");
            return true;
        } catch (XenstoreException e) {
            if (e.error() == XsError.EAGAIN && commit) {
                return false;
            }
            throw e;
        }
    }

    /** The body of a transaction, run again from the start after EAGAIN. */
    @FunctionalInterface
    public interface TransactionBody<T> {
        /**
         * @param tx operations inside the transaction
         * @return the result
         * @throws XenstoreException aborts the transaction
         * @throws IOException       if the connection failed
         */
        T run(XsOps tx) throws XenstoreException, IOException;
    }

    /**
     * Runs {@code body} in a transaction and commits, retrying from scratch on EAGAIN; other
     * errors abort and propagate.
     *
     * @return the body's result of the attempt that committed
     */
    public <T> T inTransaction(TransactionBody<T> body) throws XenstoreException, IOException {
        while (true) {
            int tx = transactionStart();
            T result;
            try {
                result = body.run(new XsOps(this, tx));
            } catch (XenstoreException | IOException | RuntimeException e) {
                try {
                    transactionEnd(tx, false);
                } catch (XenstoreException | IOException ignored) {
                    // the body's failure is the one to report
                }
                throw e;
            }
            if (transactionEnd(tx, true)) {
                return result;
            }
        }
    }

    /** Unbinds the interrupt; requests in flight fail. */
    @Override
    public void close() {
        abandon();
        kernel.intr().unbind(irq);
    }

    /**
     * What {@link #close} does without the hypercall that unbinds the store channel, for a guest
     * whose domain is already destroyed: every request in flight fails, and the watch thread
     * {@link #open} made ends (interrupted if a callback is still running; events not yet
     * delivered are dropped). Each guest boot opens a client, so a thread left behind here was
     * one more idle thread per reboot of a {@code jxen run} guest.
     */
    public void abandon() {
        lock.lock();
        try {
            failLocked(new IOException("xenstore client closed"));
        } finally {
            lock.unlock();
        }
        if (ownWatchThread != null) {
            ownWatchThread.shutdownNow();
        }
    }
}
