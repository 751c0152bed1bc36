package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device on a {@link XenBus}: our node ({@code /local/domain/<us>/device/<type>/<id>} on
 * a front bus, {@code /local/domain/<us>/backend/<type>/<frontend-domid>/<id>} on a back bus),
 * the other end's node and domid as the toolstack wrote them ({@code backend}/{@code backend-id}
 * or {@code frontend}/{@code frontend-id}), and the state we last published. These are the
 * device's ivars, as FreeBSD's xenbus_ivars names them.
 *
 * <p>The helpers read the other end's keys, write ours and publish errors; the state itself
 * is published by the bus after each {@link XenbusDriver} hook. Thread-safe.
 */
public final class XenbusDevice {

    /** Where a device is in its life, as the bus sees it. */
    public enum Phase {
        /** Probing or connecting, or connected. */
        ACTIVE,
        /** Closed in order; a reconnect may follow. */
        CLOSED,
        /** Failed: error published, state Closed; a reconnect may follow. */
        FAILED,
        /** Detached: no longer on the bus. */
        GONE
    }

    final XenBus bus;
    final XenbusDriver driver;
    private final String nodename;
    private final String relativeNode;
    private final String type;
    private final String id;

    // Set by the drain when the device attaches (and, for a frontend, when the toolstack moves its backend).
    volatile String otherEnd;
    volatile int otherEndId = -1;

    // State guarded by stateLock (no store I/O under it).
    final Object stateLock = new Object();
    volatile long generation;
    volatile Phase phase = Phase.ACTIVE;
    long deadlineNanos;
    // Held while checking the generation and writing our state, so a stale writer cannot
    // overwrite a published failure.
    final Object publishLock = new Object();
    private volatile XenbusState state = XenbusState.INITIALISING;
    private volatile XenbusState otherEndState;
    private volatile String lastError;

    // Events: flags set by watch callbacks and callers, consumed by the drain. A flag is a queue
    // of at most one entry per kind, so no flood can grow it (XSA-349).
    final AtomicBoolean scheduled = new AtomicBoolean();
    final AtomicBoolean otherDirty = new AtomicBoolean(true);
    final AtomicBoolean removed = new AtomicBoolean();
    final AtomicBoolean detachRequested = new AtomicBoolean();
    final AtomicBoolean restartRequested = new AtomicBoolean();
    final AtomicBoolean disconnectPending = new AtomicBoolean();
    /** A frontend's {@code backend}/{@code backend-id} were written: the toolstack may have moved the other end. */
    final AtomicBoolean otherMoved = new AtomicBoolean();
    /** A backend's own {@code state} was written (by us, or by the toolstack re-creating the device). */
    final AtomicBoolean ownStateWritten = new AtomicBoolean();
    volatile String pendingFatal;
    volatile int pendingFatalErrno;
    volatile Thread hookThread;
    /**
     * A write of ours found our node removed: this device object is done (as after a removal
     * the bus saw), whatever the toolstack writes there next is a new device, probed anew.
     */
    volatile boolean nodeGone;
    /** Set by the drain around a backend's probe: the first key the probe writes becomes {@link #probeMark}. */
    volatile boolean markingProbe;
    /**
     * The first key a backend's probe wrote under our node (null if it wrote none): while it is
     * there, the directory is the one we probed; once the node exists without it, the toolstack
     * removed and wrote the directory again and our keys went with the old one.
     */
    volatile String probeMark;

    // Only the drain touches these (one drain at a time per device, ordered by `scheduled`).
    boolean attached;
    boolean probed;
    /** Whether a Closed from the other end means something; false after our own reconnect, when it is stale. */
    boolean sawOtherLive = true;
    boolean seenOther;
    /**
     * A frontend whose backend's directory vanished (we failed with ENODEV): the next backend
     * state we can read is a new incarnation's, and starts us again whatever it is.
     */
    boolean otherVanished;
    /**
     * A frontend started again after its backend vanished: a backend Initialised or Connected
     * is the dead one's handshake with our previous ring (a new incarnation may have found it
     * and connected to it), so we wait for an InitWait, which only a backend answering us
     * publishes.
     */
    boolean awaitInitWait;
    /**
     * A frontend on a new incarnation of its vanished backend that has not connected to it yet:
     * the first Closed of that backend is taken as the incarnation settling (it may have
     * connected to the dead handshake and then followed our failure's Closed), so we start
     * again instead of failing; once only, so a backend that keeps failing is reported.
     */
    boolean reincarnating;
    XenbusState lastOther;
    String otherToken;

    private final AtomicLong watchEvents = new AtomicLong();
    private final AtomicLong coalescedEvents = new AtomicLong();
    private final AtomicLong stateReads = new AtomicLong();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    final CompletableFuture<XenbusDevice> detached = new CompletableFuture<>();

    private record Waiter(XenbusState state, CompletableFuture<XenbusState> future) {
    }

    XenbusDevice(XenBus bus, XenbusDriver driver, String nodename, String relativeNode, String type, String id) {
        this.bus = bus;
        this.driver = driver;
        this.nodename = nodename;
        this.relativeNode = relativeNode;
        this.type = type;
        this.id = id;
    }

    /** Our node, absolute, e.g. {@code /local/domain/1/device/vbd/51712}. */
    public String nodename() {
        return nodename;
    }

    /** Our node relative to our domain's home, e.g. {@code device/vbd/51712}. */
    public String relativeNode() {
        return relativeNode;
    }

    /** The device type, e.g. {@code vbd}. */
    public String type() {
        return type;
    }

    /** The device id under its type (for a backend: under the frontend's domid). */
    public String id() {
        return id;
    }

    /** Whether this is a frontend (on a front bus) or a backend. */
    public boolean isFrontend() {
        return bus.isFront();
    }

    /** The other end's node, or null before the device attached. */
    public String otherEnd() {
        return otherEnd;
    }

    /** The other end's domain, or -1 before the device attached. */
    public int otherEndId() {
        return otherEndId;
    }

    /** The state we last published. */
    public XenbusState state() {
        return state;
    }

    /** The other end's state as last read, or null if never read. */
    public XenbusState otherEndState() {
        return otherEndState;
    }

    /** The phase. */
    public Phase phase() {
        return phase;
    }

    /** The last failure published for this device ({@code "<errno> <message>"}), or null. */
    public String lastError() {
        return lastError;
    }

    /**
     * The device's ivars, for introspection ({@code jxen xenbus list <domain>}): {@code node},
     * {@code type}, {@code id}, {@code state}, {@code other-end}, {@code other-end-id},
     * {@code other-end-state}, {@code phase}, and {@code error} when there is one. States are
     * their io/xenbus.h numbers.
     */
    public java.util.Map<String, String> ivars() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("node", nodename);
        m.put("type", type);
        m.put("id", id);
        m.put("state", Integer.toString(state.value()));
        m.put("other-end", String.valueOf(otherEnd));
        m.put("other-end-id", Integer.toString(otherEndId));
        XenbusState o = otherEndState;
        m.put("other-end-state", o == null ? "-" : Integer.toString(o.value()));
        m.put("phase", phase.name().toLowerCase(java.util.Locale.ROOT));
        String e = lastError;
        if (e != null) {
            m.put("error", e);
        }
        return m;
    }

    /** Watch events received for the other end's state (each may be a burst's last). */
    public long watchEvents() {
        return watchEvents.get();
    }

    /** Watch events that found an event already pending and were merged into it (XSA-349). */
    public long coalescedEvents() {
        return coalescedEvents.get();
    }

    /** Times the bus read the other end's {@code state}. */
    public long stateReads() {
        return stateReads.get();
    }

    /** The store the bus runs on, for reads and writes the helpers do not cover. */
    public XenbusStore store() {
        return bus.store();
    }

    // ---- helpers for drivers ------------------------------------------------------------------

    /** Reads one of our keys ({@code <nodename>/<key>}); ENOENT if it is absent. */
    public String read(String key) throws XenstoreException, IOException {
        return bus.store().read(nodename + "/" + key);
    }

    /**
     * Writes one of our keys, in a transaction that first checks our node is still there:
     * ENOENT if the toolstack removed it (see {@link #transaction}).
     */
    public void write(String key, String value) throws XenstoreException, IOException {
        transaction(tx -> {
            tx.write(nodename + "/" + key, value);
            return null;
        });
    }

    /** Reads one of the other end's keys ({@code <otherEnd>/<key>}); ENOENT if it is absent. */
    public String readOtherEnd(String key) throws XenstoreException, IOException {
        return bus.store().read(requireOtherEnd() + "/" + key);
    }

    /** Reads one of the other end's keys, or {@code fallback} if it is absent (optional features). */
    public String readOtherEnd(String key, String fallback) throws XenstoreException, IOException {
        try {
            return readOtherEnd(key);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return fallback;
            }
            throw e;
        }
    }

    /**
     * Reads one of the other end's keys as an unsigned decimal number, or {@code fallback} if it
     * is absent; garbage is a {@link XenbusDriverException} with EINVAL (peer input is hostile).
     */
    public long readOtherEndLong(String key, long fallback) throws XenstoreException, IOException,
            XenbusDriverException {
        String v = readOtherEnd(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseUnsignedLong(v.trim());
        } catch (NumberFormatException e) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "bad " + otherEnd + "/" + key + " '" + v + "'");
        }
    }

    /**
     * Runs {@code body} in one transaction (retried on EAGAIN), e.g. to publish a ring's keys
     * together, after checking in it that our node is still there: ENOENT if the toolstack
     * removed it. xenstored creates the missing parents of a node it writes, so a driver's write
     * after the removal (a driver domain's backend, its directory removed as it died) would
     * re-create our directory with its parent's permissions, not the toolstack's: a next
     * incarnation written into it kept a {@code state} its frontend could not read (EACCES),
     * and both ends waited for ever ({@code XenbusInterleavingTest}, seed 88).
     */
    public <T> T transaction(XenbusStore.TransactionBody<T> body) throws XenstoreException, IOException {
        return bus.store().transaction(tx -> {
            try {
                tx.read(nodename);
            } catch (XenstoreException e) {
                if (e.error() == XsError.ENOENT) {
                    nodeGone = true; // the bus takes this device off (DeviceRun.hook)
                }
                throw e; // aborts: nothing is written under a removed node
            }
            return body.run(markingProbe ? new ProbeMarking(tx) : tx);
        });
    }

    /** A transaction's operations that note the first key written under our node. */
    private final class ProbeMarking implements io.jxen.xenstore.client.XsNodeOps {
        private final io.jxen.xenstore.client.XsNodeOps tx;

        ProbeMarking(io.jxen.xenstore.client.XsNodeOps tx) {
            this.tx = tx;
        }

        @Override
        public String read(String path) throws XenstoreException, IOException {
            return tx.read(path);
        }

        @Override
        public void write(String path, String value) throws XenstoreException, IOException {
            tx.write(path, value);
            if (probeMark == null && path.startsWith(nodename + "/")) {
                probeMark = path;
            }
        }

        @Override
        public void mkdir(String path) throws XenstoreException, IOException {
            tx.mkdir(path);
        }

        @Override
        public void rm(String path) throws XenstoreException, IOException {
            tx.rm(path);
        }

        @Override
        public List<String> directory(String path) throws XenstoreException, IOException {
            return tx.directory(path);
        }
    }

    /**
     * Publishes a failure from outside a hook (a worker that finds the ring corrupt, say), as
     * Linux's {@code xenbus_dev_fatal}: the bus writes {@code error/<relativeNode>/error} =
     * {@code "<errno> <message>"} under our domain's home, publishes Closed and calls
     * {@link XenbusDriver#disconnect}. Returns at once; the bus does the work on its pool.
     * Inside a hook, throw a {@link XenbusDriverException} instead.
     */
    public void fatal(int errno, String message) {
        pendingFatalErrno = errno;
        pendingFatal = message;
        bus.schedule(this);
    }

    /**
     * Starts this end again after Closed (a resumed frontend returning to Initialising, a
     * backend going back to InitWait); the other end reconnects from there. Asynchronous.
     */
    public void reconnect() {
        restartRequested.set(true);
        bus.schedule(this);
    }

    /**
     * Writes our current state again; a connected block backend does this to announce a
     * capacity change (the frontend re-reads {@code sectors}).
     */
    public void rewriteState() throws XenstoreException, IOException {
        bus.publish(this, generation, state);
    }

    /** Completes when we publish {@code s} (at once if it is our state now). */
    public CompletableFuture<XenbusState> whenState(XenbusState s) {
        CompletableFuture<XenbusState> f = new CompletableFuture<>();
        waiters.add(new Waiter(s, f));
        if (state == s) {
            complete(s);
        }
        return f;
    }

    /** Completes when the device has left the bus. */
    public CompletableFuture<XenbusDevice> whenDetached() {
        return detached;
    }

    // ---- bus internals ------------------------------------------------------------------------

    String requireOtherEnd() throws XenstoreException {
        String o = otherEnd;
        if (o == null) {
            throw new XenstoreException(XsError.ENOENT, "the device has no other end yet");
        }
        return o;
    }

    void stateWritten(XenbusState s) {
        state = s;
        complete(s);
    }

    private void complete(XenbusState s) {
        for (Waiter w : waiters) {
            if (w.state == s && w.future.complete(s)) {
                waiters.remove(w);
            }
        }
    }

    void otherEndStateRead(XenbusState s) {
        stateReads.incrementAndGet();
        otherEndState = s;
    }

    void failed(String error) {
        lastError = error;
    }

    void watchFired(boolean alreadyPending) {
        watchEvents.incrementAndGet();
        if (alreadyPending) {
            coalescedEvents.incrementAndGet();
        }
    }

    @Override
    public String toString() {
        return nodename + " (" + type + ", " + state + ", other end " + otherEnd + " " + otherEndState + ")";
    }
}
