package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.OrderedAccess;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTED;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTION_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_NONE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_PROTO;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_RINGIDX;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RECONNECT;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RING_SIZE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SERVER_FEATURES_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SERVER_FEATURE_ERROR;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SERVER_FEATURE_RECONNECTION;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.mask;

/**
 * The server side of a domain's {@code struct xenstore_domain_interface} (io/xs_wire.h,
 * docs/misc/xenstore-ring.txt): requests are taken from {@code req[]}, executed on the
 * {@link XenstoredCore} as the domain's connection, and replies and watch events go out
 * through {@code rsp[]}, each step followed by an event-channel notification.
 *
 * <p>The page is written by the guest, hence hostile (XSA-38): every index is read once per
 * step, {@code prod - cons} (unsigned) beyond {@code XENSTORE_RING_SIZE} marks the ring
 * broken with {@code XENSTORE_ERROR_RINGIDX}, request bytes are copied out once and only the
 * copy is decoded, and a header announcing more than {@code XENSTORE_PAYLOAD_MAX} breaks it
 * with {@code XENSTORE_ERROR_PROTO}. A broken ring is ignored (its watches and transactions
 * dropped, the domain still introduced, as C does since XSA-325) until the guest reconnects;
 * the daemon itself never fails.
 *
 * <p>Barriers as xenstore-ring.txt asks: the producer index is read with acquire before the
 * bytes it covers, and our consumer/producer index is published with release after them.
 *
 * <p>Features advertised in {@code server_features}: RECONNECTION (the guest sets
 * {@code connection = XENSTORE_RECONNECT} and notifies; we drop partial messages and queued
 * output, its watches and transactions, zero the four indices and the error, then set
 * {@code XENSTORE_CONNECTED} and notify) and ERROR.
 *
 * <p>Flow control (XSA-326 class), as C xenstored 4.17's {@code domain_can_read}: while the
 * domain has {@code outstanding} replies queued here (not yet in {@code rsp[]}) or is at its
 * hard {@code memory} quota, its ring is not read; the rest of its requests wait in
 * {@code req[]}, where they cost the daemon nothing. Independently, while more than
 * {@link #SOFT_LIMIT_BYTES} of output wait no request is taken, and watch events beyond
 * {@link #HARD_LIMIT_BYTES} are dropped (and counted), so memory stays bounded for any domain.
 * A watch event that waited here longer than the {@code watch-event} timeout (C's
 * {@code -w watch-event=}, 20 s) without a byte of it reaching the ring is dropped, as C's
 * {@code check_event_timeout} does for unprivileged domains; the connection stays.
 *
 * <p>Threading: {@link #process()} runs on one thread only (the host's agent); {@link #offer}
 * is called by the core on any thread; {@link #notified()} and {@link #close()} on any.
 */
public final class RingConnection implements Outbox {

    /** Feature bits written to {@code server_features}. */
    public static final int FEATURES = SERVER_FEATURE_RECONNECTION | SERVER_FEATURE_ERROR;
    /** Queued output above which the guest's requests wait. */
    public static final long SOFT_LIMIT_BYTES = 64 * 1024;
    /** Queued output above which watch events are dropped. */
    public static final long HARD_LIMIT_BYTES = 1024 * 1024;

    private static final System.Logger LOG = System.getLogger("xenstored");

    private final XenstoredCore core;
    private final int domid;
    private final MemorySegment page;
    private final EventChannelPort port;
    /**
     * A queued message: replies count as outstanding; events may expire at {@code deadline};
     * {@code delivered} (or null) runs once it is written or dropped.
     */
    private record Out(byte[] bytes, boolean reply, long deadline, Runnable delivered,
                       java.util.concurrent.atomic.AtomicBoolean fired) {
        Out(byte[] bytes, boolean reply, long deadline, Runnable delivered) {
            this(bytes, reply, deadline, delivered, new java.util.concurrent.atomic.AtomicBoolean());
        }

        /** Once only: close() and the ring thread may both get here. */
        void done() {
            if (delivered != null && fired.compareAndSet(false, true)) {
                delivered.run();
            }
        }
    }

    private final ConcurrentLinkedQueue<Out> out = new ConcurrentLinkedQueue<>();
    private final AtomicLong outBytes = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong droppedEvents = new AtomicLong();
    private final AtomicLong expiredEvents = new AtomicLong();
    private XsMessageReader reader = new XsMessageReader();
    private volatile Connection connection;
    private ByteBuffer partial;
    private volatile Out partialOut;
    private volatile boolean kicked = true;
    private volatile int error = ERROR_NONE;
    private volatile boolean closed;

    /**
     * Attaches a ring: advertises the features (bits already set stay set) and registers the
     * domain's connection with the core.
     *
     * @param core  the daemon
     * @param domid the domain
     * @param page  its store page, at least {@code sizeof(struct xenstore_domain_interface)}
     * @param port  the bound event channel to the guest
     */
    private volatile Runnable outputQueued = () -> { };

    public RingConnection(XenstoredCore core, int domid, MemorySegment page, EventChannelPort port) {
        this.core = core;
        this.domid = domid;
        this.page = page;
        this.port = port;
        int features = OrderedAccess.getIntVolatile(page, SERVER_FEATURES_OFFSET);
        OrderedAccess.setIntRelease(page, SERVER_FEATURES_OFFSET, features | FEATURES);
        this.connection = core.connectRing(domid, this);
    }

    /** The domain. */
    public int domid() {
        return domid;
    }

    /** The core's connection of this ring (replaced after a reconnect of a broken ring). */
    public Connection connection() {
        return connection;
    }

    /** The guest notified its store port (any thread). */
    public void notified() {
        kicked = true;
    }

    /**
     * Runs {@code wake} whenever output is queued for the guest from another thread (a reply,
     * or a watch event fired by another connection's write), so the thread that runs
     * {@link #process()} can sleep until there is something to do instead of polling.
     */
    public void onOutputQueued(Runnable wake) {
        this.outputQueued = java.util.Objects.requireNonNull(wake, "wake");
    }

    /** The {@code XENSTORE_ERROR_*} this ring failed with, 0 while healthy. */
    public int error() {
        return error;
    }

    /** Watch events dropped because the guest did not read. */
    public long droppedEvents() {
        return droppedEvents.get();
    }

    /** Watch events dropped because they waited longer than the watch-event timeout. */
    public long expiredEvents() {
        return expiredEvents.get();
    }

    @Override
    public long queuedBytes() {
        return outBytes.get();
    }

    @Override
    public int outstanding() {
        return outstanding.get();
    }

    /** Whether there is work for {@link #process()} (notification or queued output). */
    public boolean hasWork() {
        return kicked || partial != null || !out.isEmpty();
    }

    @Override
    public boolean offer(XsMessage message) {
        return offer(message, null);
    }

    @Override
    public boolean offer(XsMessage message, Runnable delivered) {
        if (closed || error != ERROR_NONE) {
            if (delivered != null) {
                delivered.run();
            }
            return true;
        }
        byte[] bytes = message.encode();
        boolean event = message.type() == XsMessageTypes.WATCH_EVENT;
        if (event && outBytes.get() + bytes.length > HARD_LIMIT_BYTES) {
            droppedEvents.incrementAndGet();
            if (delivered != null) {
                delivered.run();
            }
            return true;
        }
        long deadline = Long.MAX_VALUE;
        if (event) {
            long timeoutMs = core.quotas().watchEventTimeoutMs();
            Connection c = connection;
            if (timeoutMs > 0 && c != null && !c.caller().privileged()) {
                deadline = core.nanoTime() + timeoutMs * 1_000_000L;
            }
        } else {
            outstanding.incrementAndGet();
        }
        outBytes.addAndGet(bytes.length);
        out.add(new Out(bytes, !event, deadline, delivered));
        kicked = true;
        outputQueued.run();
        return true;
    }

    /**
     * One step: a reconnect request, then requests, then output; notifies the guest once if
     * anything moved. Never throws for anything the guest wrote.
     *
     * @return units of work done, 0 if idle
     */
    public int process() {
        if (closed) {
            return 0;
        }
        int connectionState = OrderedAccess.getIntAcquire(page, CONNECTION_OFFSET);
        if (connectionState == RECONNECT) {
            reconnect();
            return 1;
        }
        if (error != ERROR_NONE) {
            kicked = false;
            return 0;
        }
        kicked = false;
        int work = 0;
        boolean notify = false;
        expireEvents();
        // Output first: what the guest consumed makes room, and replies that leave for the
        // ring stop being outstanding, so requests held back may be taken now.
        int flushed = writeOutput();
        if (flushed < 0) {
            port.notifyPeer();
            return 1;
        }
        if (flushed > 0) {
            work++;
            notify = true;
        }
        if (outBytes.get() <= SOFT_LIMIT_BYTES) {
            int taken = takeRequests();
            if (taken < 0) {
                port.notifyPeer();
                return 1;
            }
            if (taken > 0) {
                work++;
                notify = true;
            }
        }
        int written = writeOutput();
        if (written < 0) {
            port.notifyPeer();
            return 1;
        }
        if (written > 0) {
            work++;
            notify = true;
        }
        if (notify) {
            port.notifyPeer();
        }
        return work;
    }

    /** Copies what the guest produced, once, and executes complete messages; -1 if broken. */
    private int takeRequests() {
        int prod = OrderedAccess.getIntAcquire(page, REQ_PROD_OFFSET);
        int cons = OrderedAccess.getIntVolatile(page, REQ_CONS_OFFSET);
        int avail = prod - cons;
        if (Integer.compareUnsigned(avail, RING_SIZE) > 0) {
            fail(ERROR_RINGIDX, "request indices cons=" + Integer.toUnsignedString(cons) + " prod="
                    + Integer.toUnsignedString(prod));
            return -1;
        }
        if (avail == 0) {
            return 0;
        }
        byte[] copy = new byte[avail];
        int first = Math.min(avail, RING_SIZE - mask(cons));
        MemorySegment.copy(page, OrderedAccess.BYTE, REQ_OFFSET + mask(cons), copy, 0, first);
        if (first < avail) {
            MemorySegment.copy(page, OrderedAccess.BYTE, REQ_OFFSET, copy, first, avail - first);
        }
        ByteBuffer in = ByteBuffer.wrap(copy);
        boolean held = false;
        try {
            while (in.hasRemaining()) {
                if (!reader.inMessage() && !core.mayTakeRequest(connection, outstanding.get())) {
                    // C's domain_can_read: the rest stays in req[] until replies drain.
                    held = true;
                    break;
                }
                XsMessage m = reader.read(in);
                if (m != null) {
                    core.handle(connection, m);
                }
            }
        } catch (ProtocolViolationException e) {
            fail(ERROR_PROTO, e.getMessage());
            return -1;
        }
        int used = in.position();
        // Bytes read before the slots are handed back.
        OrderedAccess.setIntRelease(page, REQ_CONS_OFFSET, cons + used);
        if (!held) {
            kicked = true; // the guest may have produced more meanwhile
        }
        return used;
    }

    /** Writes as much queued output as fits; -1 if broken. */
    private int writeOutput() {
        int total = 0;
        // Only messages queued before the journal force may go: their records are durable.
        int budget = out.size();
        if (budget > 0 && !core.syncJournal()) {
            return 0;
        }
        while (true) {
            if (partial == null) {
                Out next = budget-- > 0 ? out.poll() : null;
                if (next == null) {
                    return total;
                }
                partialOut = next;
                partial = ByteBuffer.wrap(next.bytes());
            }
            int cons = OrderedAccess.getIntAcquire(page, RSP_CONS_OFFSET);
            int prod = OrderedAccess.getIntVolatile(page, RSP_PROD_OFFSET);
            int used = prod - cons;
            if (Integer.compareUnsigned(used, RING_SIZE) > 0) {
                fail(ERROR_RINGIDX, "response indices cons=" + Integer.toUnsignedString(cons) + " prod="
                        + Integer.toUnsignedString(prod));
                return -1;
            }
            int n = Math.min(RING_SIZE - used, partial.remaining());
            if (n == 0) {
                return total;
            }
            int at = partial.position();
            int first = Math.min(n, RING_SIZE - mask(prod));
            MemorySegment.copy(partial.array(), at, page, OrderedAccess.BYTE, RSP_OFFSET + mask(prod), first);
            if (first < n) {
                MemorySegment.copy(partial.array(), at + first, page, OrderedAccess.BYTE, RSP_OFFSET, n - first);
            }
            OrderedAccess.setIntRelease(page, RSP_PROD_OFFSET, prod + n);
            partial.position(at + n);
            total += n;
            if (!partial.hasRemaining()) {
                outBytes.addAndGet(-partial.capacity());
                if (partialOut.reply()) {
                    outstanding.decrementAndGet();
                }
                Out done = partialOut;
                partial = null;
                partialOut = null;
                done.done();
            }
        }
    }

    /** C's {@code ignore_connection}: the error field says why; the domain stays introduced. */
    private void fail(int why, String detail) {
        LOG.log(System.Logger.Level.WARNING, "dom" + domid + " ring: " + detail + "; ignoring the connection (error "
                + why + ")");
        error = why;
        OrderedAccess.setIntRelease(page, ERROR_OFFSET, why);
        core.disconnect(connection);
        dropOutput();
    }

    /**
     * C's {@code check_event_timeout}: watch events whose deadline passed and of which nothing
     * reached the ring yet are dropped (the partly written one, {@link #partial}, is not).
     */
    private void expireEvents() {
        if (out.isEmpty()) {
            return;
        }
        long now = core.nanoTime();
        out.removeIf(o -> {
            if (!o.reply() && o.deadline() != Long.MAX_VALUE && now - o.deadline() >= 0) {
                outBytes.addAndGet(-o.bytes().length);
                expiredEvents.incrementAndGet();
                o.done();
                return true;
            }
            return false;
        });
    }

    private void dropOutput() {
        clearOutput();
        reader = new XsMessageReader();
    }

    /** Forgets queued output; what it held is gone, which its causes are told. */
    private void clearOutput() {
        Out o;
        while ((o = out.poll()) != null) {
            o.done();
        }
        if (partialOut != null) {
            partialOut.done();
        }
        outBytes.set(0);
        outstanding.set(0);
        partial = null;
        partialOut = null;
        reader = new XsMessageReader();
    }

    /** xenstore-ring.txt's reconnect: everything in flight is forgotten, the ring restarts. */
    private void reconnect() {
        if (error == ERROR_NONE) {
            core.resetConnection(connection);
        } else {
            connection = core.connectRing(domid, this);
        }
        dropOutput();
        error = ERROR_NONE;
        OrderedAccess.setIntPlain(page, REQ_CONS_OFFSET, 0);
        OrderedAccess.setIntPlain(page, REQ_PROD_OFFSET, 0);
        OrderedAccess.setIntPlain(page, RSP_CONS_OFFSET, 0);
        OrderedAccess.setIntPlain(page, RSP_PROD_OFFSET, 0);
        OrderedAccess.setIntPlain(page, ERROR_OFFSET, ERROR_NONE);
        OrderedAccess.setIntRelease(page, CONNECTION_OFFSET, CONNECTED);
        kicked = false;
        port.notifyPeer();
    }

    /**
     * Stops serving the ring (RELEASE, domain death; any thread, the core's lock may be held):
     * the next {@link #process()} does nothing, so once the thread that runs
     * {@link #process()} has seen {@link #closed()} the host may unmap the page.
     */
    public void close() {
        closed = true;
        Out o;
        while ((o = out.poll()) != null) {
            o.done();
        }
        Out writing = partialOut;
        if (writing != null) {
            writing.done();
        }
        outBytes.set(0);
        outstanding.set(0);
        core.disconnect(connection);
    }

    /** Whether {@link #close()} was called. */
    public boolean closed() {
        return closed;
    }
}
