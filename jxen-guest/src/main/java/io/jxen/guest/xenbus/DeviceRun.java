package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;

/**
 * One drain of a device's pending events on a bus worker: at most one runs per device at a
 * time (the device's {@code scheduled} flag), so hooks of a device never overlap. Each step
 * re-reads the other end's {@code state} rather than trusting the event that woke it.
 */
final class DeviceRun {

    private static final System.Logger LOG = System.getLogger("xenbus");
    private static final int MAX_ERROR_CHARS = 512;

    /** A driver hook. */
    @FunctionalInterface
    private interface Hook {
        void run() throws Exception;
    }

    private final XenBus bus;
    private final XenbusDevice d;
    private final XenbusDriver driver;
    /** The generation this drain acts for; a timeout or failure elsewhere makes it stale. */
    private long gen;

    DeviceRun(XenBus bus, XenbusDevice d) {
        this.bus = bus;
        this.d = d;
        this.driver = d.driver;
    }

    void drain() {
        try {
            while (true) {
                Thread.interrupted(); // a stale interrupt meant for a hook that has returned
                if (!step()) {
                    d.scheduled.set(false);
                    if (hasWork() && d.scheduled.compareAndSet(false, true)) {
                        continue;
                    }
                    return;
                }
            }
        } catch (RuntimeException | Error e) {
            d.scheduled.set(false);
            LOG.log(System.Logger.Level.ERROR, "xenbus: " + d.nodename() + ": " + e, e);
            throw e;
        }
    }

    private boolean hasWork() {
        return d.phase != XenbusDevice.Phase.GONE && (d.otherDirty.get() || d.removed.get()
                || d.detachRequested.get() || d.restartRequested.get() || d.pendingFatal != null || d.disconnectPending.get()
                || d.otherMoved.get() || d.ownStateWritten.get());
    }

    /** @return whether there was anything to do */
    private boolean step() {
        if (d.phase == XenbusDevice.Phase.GONE) {
            return false;
        }
        if (d.removed.get() || d.detachRequested.get()) {
            finish(!d.removed.get());
            return false;
        }
        if (d.disconnectPending.getAndSet(false)) {
            safeDisconnect(); // after a timeout
        }
        boolean other = d.otherDirty.getAndSet(false);
        boolean restart = d.restartRequested.getAndSet(false);
        boolean moved = d.otherMoved.getAndSet(false);
        boolean ownState = d.ownStateWritten.getAndSet(false);
        String fatal = d.pendingFatal;
        if (!other && !restart && !moved && !ownState && fatal == null) {
            return false;
        }
        gen = d.generation;
        try {
            if (!d.attached && !attach()) {
                return true;
            }
            if (moved && d.isFrontend() && !reattach()) {
                return true;
            }
            if (ownState && !d.isFrontend() && recreated() && !startOver()) {
                return true;
            }
            if (fatal != null) {
                d.pendingFatal = null;
                if (d.phase == XenbusDevice.Phase.ACTIVE) {
                    fail(d.pendingFatalErrno, fatal);
                }
            }
            if (restart) {
                d.sawOtherLive = false;
                if (!restart()) {
                    return true;
                }
            }
            evaluate();
        } catch (XenstoreException | IOException | RuntimeException e) {
            if (d.phase == XenbusDevice.Phase.ACTIVE && d.generation == gen) {
                fail(XenbusErrno.EIO, "store: " + e.getMessage());
            } else {
                LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": " + e);
            }
        }
        return true;
    }

    // ---- attach: find the other end and watch its state ----------------------------------------

    private boolean attach() throws XenstoreException, IOException {
        String node = d.nodename();
        String otherKey = d.isFrontend() ? "backend" : "frontend";
        // One transaction: the toolstack may remove the directory and write it again between
        // two plain reads, and a key missing from the old one is no reason to fail the new
        // one (XenbusInterleavingTest, seed 1508). Null: our node is gone.
        String[] keys = bus.store().transaction(tx -> {
            if (XenBus.readOrNull(tx, node) == null) {
                return null;
            }
            return new String[] {XenBus.readOrNull(tx, node + "/" + otherKey),
                    XenBus.readOrNull(tx, node + "/" + otherKey + "-id")};
        });
        if (keys == null) {
            d.removed.set(true);
            return false;
        }
        String other = keys[0];
        String otherId = keys[1];
        if (other == null || otherId == null) {
            fail(XenbusErrno.EINVAL, "no " + otherKey + " or " + otherKey + "-id under " + node);
            return false;
        }
        int domid = parseDomid(otherId);
        if (domid < 0 || !other.startsWith("/local/domain/" + domid + "/") || other.contains("//")) {
            fail(XenbusErrno.EINVAL, "bad other end '" + sanitize(other) + "' of domain '" + sanitize(otherId) + "'");
            return false;
        }
        if (!d.isFrontend()) {
            // backend/<type>/<frontend-domid>/<id>: the frontend must be that domain's.
            String[] parts = node.split("/");
            if (!parts[parts.length - 2].equals(Integer.toString(domid))) {
                fail(XenbusErrno.EINVAL, "frontend-id " + domid + " does not match " + node);
                return false;
            }
        }
        d.otherEnd = other;
        d.otherEndId = domid;
        String token = "xenbus:" + node + ":otherend";
        bus.store().watch(other + "/state", token, (p, t) -> bus.onOtherEndEvent(d));
        d.otherToken = token;
        d.attached = true;
        return true;
    }

    /**
     * A frontend's {@code backend}/{@code backend-id} were written: if they name another end now
     * (the toolstack moved the device to a driver domain restarted under a new id), the old one
     * is let go (a connection past Initialising is torn down and we go Closed, as when a
     * backend vanishes) and the new one watched; its InitWait starts us again.
     *
     * @return false if the device failed
     */
    private boolean reattach() throws XenstoreException, IOException {
        String node = d.nodename();
        String other = readOrNull(node + "/backend");
        String otherId = readOrNull(node + "/backend-id");
        if (other == null || otherId == null) {
            return true; // removed (the rescan detaches it) or half written (its next write comes)
        }
        int domid = parseDomid(otherId);
        if (other.equals(d.otherEnd) && domid == d.otherEndId) {
            return true; // written again unchanged
        }
        if (domid < 0 || !other.startsWith("/local/domain/" + domid + "/") || other.contains("//")) {
            fail(XenbusErrno.EINVAL, "bad other end '" + sanitize(other) + "' of domain '" + sanitize(otherId) + "'");
            return false;
        }
        LOG.log(System.Logger.Level.INFO, "xenbus: " + node + ": backend moved from " + d.otherEnd + " (d"
                + d.otherEndId + ") to " + other + " (d" + domid + ")");
        if (d.phase == XenbusDevice.Phase.ACTIVE && d.state() != XenbusState.INITIALISING) {
            if (!hook("disconnect", () -> driver.disconnect(d))) {
                return false;
            }
            if (publish(XenbusState.CLOSED)) {
                closedInOrder();
            }
        }
        try {
            bus.store().unwatch(d.otherEnd + "/state", d.otherToken);
        } catch (XenstoreException | IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "xenbus: " + node + ": unwatch of the old other end: " + e);
        }
        d.otherEnd = other;
        d.otherEndId = domid;
        d.lastOther = XenbusState.UNKNOWN; // whatever the new end shows is a change
        d.seenOther = false;
        d.sawOtherLive = false;
        bus.store().watch(other + "/state", d.otherToken, (p, t) -> bus.onOtherEndEvent(d));
        return true;
    }

    /**
     * Whether our (backend's) directory was re-created under us: the store shows Initialising,
     * which the toolstack writes when it creates the device and a backend never publishes, while
     * we had gone past it. Our keys went with the old directory.
     */
    private boolean recreated() throws XenstoreException, IOException {
        if (!d.probed) {
            return false;
        }
        String mark = d.probeMark;
        if (mark != null && readOrNull(mark) == null && bus.exists(d.nodename())) {
            return true; // the key our probe wrote is gone, the directory is not: written again
        }
        if (d.state() == XenbusState.INITIALISING) {
            return false;
        }
        String raw = readOrNull(d.nodename() + "/state");
        return raw != null && parseState(raw) == XenbusState.INITIALISING;
    }

    /**
     * A re-created backend device starts over as a new one: whatever it was connected to is
     * gone, and probe runs again (its keys were in the old directory), then InitWait.
     */
    private boolean startOver() throws XenstoreException, IOException {
        LOG.log(System.Logger.Level.INFO, "xenbus: " + d.nodename() + ": re-created by the toolstack; starting over");
        if (d.phase == XenbusDevice.Phase.ACTIVE && d.state() == XenbusState.CONNECTED
                && !hook("disconnect", () -> driver.disconnect(d))) {
            return false;
        }
        d.probed = false;
        d.sawOtherLive = false;
        d.lastOther = XenbusState.UNKNOWN;
        d.stateWritten(XenbusState.INITIALISING); // what the store holds now (the toolstack's)
        return restart();
    }

    private static int parseDomid(String s) {
        try {
            int v = Integer.parseInt(s.trim());
            return v >= 0 && v < 0x7FF0 ? v : -1; // DOMID_FIRST_RESERVED
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- the state machine ---------------------------------------------------------------------

    private void evaluate() throws XenstoreException, IOException {
        if (d.phase == XenbusDevice.Phase.ACTIVE && !d.probed) {
            if (!probe()) {
                return;
            }
        }
        String raw = readOtherStateOrNull();
        if (raw == null) {
            if (d.seenOther) {
                d.lastOther = XenbusState.UNKNOWN; // whatever comes next is a change
            }
            if (d.seenOther && d.phase == XenbusDevice.Phase.ACTIVE) {
                if (!bus.exists(d.nodename())) {
                    d.removed.set(true); // hot-unplug of both ends: detach, no error
                    return;
                }
                fail(XenbusErrno.ENODEV, "other end " + d.otherEnd + " vanished");
                d.otherVanished = d.isFrontend();
            }
            return; // not there yet: wait, under the connect timeout
        }
        XenbusState s = parseState(raw);
        if (s == null) {
            d.lastOther = XenbusState.UNKNOWN; // whatever valid state comes next is a change
            if (d.phase == XenbusDevice.Phase.ACTIVE) {
                fail(XenbusErrno.EINVAL, "saw garbage state '" + sanitize(raw) + "' at " + d.otherEnd);
            }
            return;
        }
        d.otherEndStateRead(s);
        d.seenOther = true;
        XenbusState previous = d.lastOther;
        boolean changed = s != previous;
        d.lastOther = s;
        if (changed && !hook("otherEndChanged", () -> driver.otherEndChanged(d, s))) {
            return;
        }
        if (d.phase != XenbusDevice.Phase.ACTIVE) {
            // Closed or failed: only the other end starting again brings us back. For a
            // frontend whose backend vanished, any state readable again is a new incarnation
            // (the toolstack wrote the backend half again): whatever it shows, even Closed or a
            // Connected it reached on our dead handshake, we start again and wait for its
            // InitWait (awaitInitWait). Waiting for an InitWait transition alone left both ends
            // Closed when the new backend had connected to that stale handshake and then
            // followed our Closed (XenbusFailureTest, the at-once reincarnation).
            XenbusState trigger = d.isFrontend() ? XenbusState.INIT_WAIT : XenbusState.INITIALISING;
            boolean reincarnated = d.otherVanished;
            if (reincarnated) {
                d.otherVanished = false;
                d.awaitInitWait = true;
                d.reincarnating = true;
                d.sawOtherLive = false; // the new backend's Closed (following ours) means nothing yet
            }
            // A backend that closed in order after its frontend's Closed and now reads that
            // frontend Initialised or Connected: it started again and we missed its Initialising
            // (watch events coalesce); it may have gone on with a state we showed before we
            // closed. Back to InitWait, where its handshake is taken up again (a Connected
            // frontend follows our InitWait and starts over). Waiting for the Initialising we
            // missed left both ends Closed (XenbusFailureTest, the at-once reincarnation).
            // Linux's blkback frontend_changed likewise connects on Initialised or Connected
            // whatever its own state, for watches that fire in close succession.
            boolean frontendStartedOver = !d.isFrontend() && d.phase == XenbusDevice.Phase.CLOSED && changed
                    && (s == XenbusState.INITIALISED || s == XenbusState.CONNECTED);
            if (frontendStartedOver) {
                LOG.log(System.Logger.Level.INFO, "xenbus: " + d.nodename() + ": " + d.otherEnd + " is " + s
                        + " again after it closed; back to InitWait");
                d.sawOtherLive = false;
            }
            if (!((reincarnated || frontendStartedOver || (changed && previous != null && s == trigger)) && restart())) {
                return;
            }
        }
        if (d.awaitInitWait && s == XenbusState.INIT_WAIT) {
            d.awaitInitWait = false;
        }
        boolean live = s != XenbusState.UNKNOWN && s != XenbusState.CLOSING && s != XenbusState.CLOSED
                && !staleConnected(s);
        if (live) {
            d.sawOtherLive = true;
        }
        transitions(s);
    }

    private void transitions(XenbusState s) throws XenstoreException, IOException {
        XenbusState ours = d.state();
        switch (s) {
            case CLOSING -> {
                if (!d.sawOtherLive) {
                    return; // stale from before our (re)start
                }
                if (settlingIncarnation(ours)) {
                    return;
                }
                if (ours == XenbusState.CONNECTED) {
                    // A backend answers Closing with Closing and waits for Closed (Linux's
                    // blkback); a frontend goes straight to Closed (xenbus_frontend_closed),
                    // which is also how libxl's removal (backend state=5, online=0) completes.
                    if (hook("disconnect", () -> driver.disconnect(d))) {
                        if (!d.isFrontend()) {
                            publish(XenbusState.CLOSING);
                        } else if (publish(XenbusState.CLOSED)) {
                            closedInOrder();
                        }
                    }
                } else if (ours != XenbusState.CLOSING) {
                    fail(XenbusErrno.ECONNRESET, "other end " + d.otherEnd + " went Closing while we were " + ours);
                }
            }
            case CLOSED, UNKNOWN -> {
                if (!d.sawOtherLive) {
                    return;
                }
                if (settlingIncarnation(ours)) {
                    return;
                }
                if (ours == XenbusState.CONNECTED || ours == XenbusState.CLOSING) {
                    if (ours == XenbusState.CONNECTED && !hook("disconnect", () -> driver.disconnect(d))) {
                        return;
                    }
                    if (publish(XenbusState.CLOSED)) {
                        closedInOrder();
                    }
                } else {
                    fail(XenbusErrno.ECONNRESET, "other end " + d.otherEnd + " went " + s + " while we were " + ours);
                }
            }
            default -> {
                if (d.isFrontend()) {
                    if (ours == XenbusState.CONNECTED && s == XenbusState.INIT_WAIT) {
                        // The backend restarted and this bus never read its Closed: the state
                        // was read only once it was back at InitWait (watch events coalesce
                        // and each step reads the state as it is then). As after a Closed, the
                        // connection is torn down (blkfront queues its in-flight requests for
                        // replay) and we start again; the backend waits for us (staleConnected).
                        if (!hook("disconnect", () -> driver.disconnect(d)) || !restart()) {
                            return;
                        }
                        ours = XenbusState.INITIALISING;
                    }
                    if (ours == XenbusState.INITIALISING && (s == XenbusState.INIT_WAIT
                            || ((s == XenbusState.INITIALISED || s == XenbusState.CONNECTED) && !d.awaitInitWait))) {
                        // InitWait, or a backend that skipped it (io/blkif.h allows both)
                        if (!hook("initialise", () -> driver.initialise(d)) || !publish(XenbusState.INITIALISED)) {
                            return;
                        }
                        ours = XenbusState.INITIALISED;
                    }
                    if (ours == XenbusState.INITIALISED && s == XenbusState.CONNECTED) {
                        if (hook("connect", () -> driver.connect(d)) && connected() && publish(XenbusState.CONNECTED)) {
                            d.reincarnating = false;
                            noDeadline();
                        }
                    }
                } else if (ours == XenbusState.INIT_WAIT && s == XenbusState.INITIALISED) {
                    // Not at a Connected frontend: see staleConnected.
                    if (hook("connect", () -> driver.connect(d)) && connected() && publish(XenbusState.CONNECTED)) {
                        noDeadline();
                    }
                } else if (ours == XenbusState.CONNECTED && s == XenbusState.INITIALISING) {
                    // The frontend started over (its backend vanished and it took us for the
                    // next incarnation, or we connected to a handshake it made with our
                    // predecessor): what we are connected to is gone. Disconnect and wait at
                    // InitWait for its new handshake; it waits for that InitWait.
                    if (hook("disconnect", () -> driver.disconnect(d))) {
                        d.sawOtherLive = false;
                        restart();
                    }
                }
            }
        }
    }

    /**
     * A frontend Connected while we, the backend, are in InitWait is connected to a previous
     * backend of this device (ours before a restart, or a driver domain's that died) and has
     * not yet seen it go: it goes Connected only after seeing a backend Connected. Its ring
     * still holds that backend's requests and responses, so connecting to it would start a
     * fresh consumer at index 0 on a ring already far past it (blkback fails the device: the
     * producer is more than a ring ahead). We wait instead: the frontend follows our InitWait
     * (or the Closed before it) and publishes a new ring; meanwhile its Connected is not
     * "live", so its Closed on the way is not a peer closing on us.
     *
     * <p>For a frontend that started again on a new incarnation of its vanished backend
     * ({@code awaitInitWait}), every state but InitWait is stale: the new backend's
     * Initialising (the toolstack's value), or a state the old device object wrote before it
     * saw the re-creation, is not a peer we have a connection with, so the Closed that may
     * follow is not one closing on us (before, both ends failed with ECONNRESET about 1 in 100).
     */
    private boolean staleConnected(XenbusState s) {
        if (d.isFrontend()) {
            return d.awaitInitWait && s != XenbusState.INIT_WAIT;
        }
        return s == XenbusState.CONNECTED && d.state() == XenbusState.INIT_WAIT;
    }

    /**
     * A frontend on a new incarnation of its backend, not connected to it yet, sees that backend
     * close: the first time, it starts again and waits for the backend's next InitWait instead
     * of failing. The new backend may have connected to our dead handshake (Initialised for
     * its predecessor), then followed the Closed our vanished-backend failure published; it
     * answers our Initialising with InitWait. A second Closed is a failure as usual.
     *
     * @return whether we started again (the state was handled)
     */
    private boolean settlingIncarnation(XenbusState ours) throws XenstoreException, IOException {
        if (!d.isFrontend() || !d.reincarnating || ours == XenbusState.CONNECTED) {
            return false;
        }
        d.reincarnating = false;
        LOG.log(System.Logger.Level.INFO, "xenbus: " + d.nodename() + ": the new " + d.otherEnd
                + " closed before we connected; starting again");
        d.awaitInitWait = true;
        d.sawOtherLive = false;
        restart();
        return true;
    }

    private void closedInOrder() {
        synchronized (d.stateLock) {
            if (d.generation == gen) {
                d.phase = XenbusDevice.Phase.CLOSED;
                d.deadlineNanos = Long.MAX_VALUE;
            }
        }
    }

    private boolean probe() throws XenstoreException, IOException {
        d.probeMark = null;
        d.markingProbe = !d.isFrontend();
        boolean probed;
        try {
            probed = hook("probe", () -> driver.probe(d));
        } finally {
            d.markingProbe = false;
        }
        if (!probed) {
            return false;
        }
        d.probed = true;
        if (!d.isFrontend()) {
            // A frontend found Closed before we saw it live is waiting for a backend to start
            // (its previous one died, as a driver domain's may): Linux's blkback answers such a
            // frontend's return to Initialising, so its Closed means nothing yet.
            d.sawOtherLive = false;
        }
        return publish(d.isFrontend() ? XenbusState.INITIALISING : XenbusState.INIT_WAIT);
    }

    /** Back to the start after Closed: a new generation, a new deadline. */
    private boolean restart() throws XenstoreException, IOException {
        synchronized (d.stateLock) {
            gen = ++d.generation;
            d.phase = XenbusDevice.Phase.ACTIVE;
            d.deadlineNanos = bus.now() + bus.connectTimeoutNanos();
        }
        if (!d.attached) {
            return false;
        }
        if (!d.probed) {
            return probe();
        }
        return publish(d.isFrontend() ? XenbusState.INITIALISING : XenbusState.INIT_WAIT);
    }

    /** Before publishing Connected: an earlier failure's error node goes (Connected means healthy). */
    private boolean connected() {
        try {
            if (d.lastError() != null || bus.exists(bus.errorDir(d))) {
                bus.store().rm(bus.errorDir(d));
            }
        } catch (XenstoreException | IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": clearing the error node: " + e);
        }
        return true;
    }

    private void noDeadline() {
        synchronized (d.stateLock) {
            if (d.generation == gen) {
                d.deadlineNanos = Long.MAX_VALUE;
            }
        }
    }

    private boolean publish(XenbusState s) throws XenstoreException, IOException {
        return bus.publish(d, gen, s);
    }

    private boolean hook(String name, Hook body) {
        long g = gen;
        d.hookThread = Thread.currentThread();
        bus.hookStarted();
        Exception failure = null;
        try {
            body.run();
        } catch (Exception e) {
            failure = e;
        } finally {
            d.hookThread = null;
            bus.hookEnded();
            Thread.interrupted();
        }
        if (d.generation != g) {
            return false; // timed out meanwhile: published, and disconnectPending is set
        }
        if (failure != null && d.nodeGone) {
            // Our node was removed under the hook (its write found it gone): leave the bus as
            // after a removal, publishing nothing. Failing instead left a device that had never
            // published a state on a directory the toolstack wrote again, taken for its own and
            // never probed (XenbusInterleavingTest, seed 575).
            LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": " + name + ": our node is gone");
            d.removed.set(true);
            return false;
        }
        if (failure != null) {
            if (d.phase == XenbusDevice.Phase.ACTIVE) {
                fail(errnoOf(failure), name + ": " + describe(failure));
            } else {
                LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": " + name + ": " + failure);
            }
            return false;
        }
        return true;
    }

    private void fail(int errno, String message) {
        d.reincarnating = false; // a failure is reported as such; the next start earns no leniency
        long g;
        synchronized (d.stateLock) {
            g = ++d.generation;
            d.phase = XenbusDevice.Phase.FAILED;
            d.deadlineNanos = Long.MAX_VALUE;
        }
        gen = g;
        bus.publishFailure(d, g, errno, sanitize(message));
        safeDisconnect();
    }

    private void safeDisconnect() {
        try {
            driver.disconnect(d);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": disconnect: " + e);
        } finally {
            Thread.interrupted();
        }
    }

    /** Leaves the bus; {@code publishClosed} when we detach (not when our node was removed). */
    private void finish(boolean publishClosed) {
        synchronized (d.stateLock) {
            d.generation++;
            d.phase = XenbusDevice.Phase.GONE;
            d.deadlineNanos = Long.MAX_VALUE;
        }
        if (d.otherToken != null) {
            try {
                bus.store().unwatch(d.otherEnd + "/state", d.otherToken);
            } catch (XenstoreException | IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "xenbus: " + d.nodename() + ": unwatch: " + e);
            }
        }
        safeDisconnect();
        if (publishClosed) {
            try {
                synchronized (d.publishLock) {
                    bus.writeState(d, XenbusState.CLOSED);
                }
            } catch (XenstoreException | IOException e) {
                LOG.log(System.Logger.Level.WARNING, "xenbus: " + d.nodename() + ": publishing Closed: " + e);
            }
        }
        try {
            driver.detach(d);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "xenbus: " + d.nodename() + ": detach: " + e);
        }
        bus.forget(d);
        d.detached.complete(d);
    }

    // ---- parsing peer input (hostile) ------------------------------------------------------------

    /** A state as io/xenbus.h numbers it, or null for anything else (garbage). */
    static XenbusState parseState(String raw) {
        String s = raw.trim();
        if (s.isEmpty() || s.length() > 2) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        int v = Integer.parseInt(s);
        return v <= XenbusState.RECONFIGURED.value() ? XenbusState.of(v) : null;
    }

    /**
     * The other end's state, or null if it is not there: ENOENT, or EACCES, which xenstored
     * answers for a missing node under a directory we may not read (a removed backend).
     */
    private String readOtherStateOrNull() throws XenstoreException, IOException {
        try {
            return bus.store().read(d.otherEnd + "/state");
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT || e.error() == XsError.EACCES) {
                return null;
            }
            throw e;
        }
    }

    private String readOrNull(String path) throws XenstoreException, IOException {
        return XenBus.readOrNull(bus.store().ops(), path);
    }

    private static int errnoOf(Exception e) {
        if (e instanceof XenbusDriverException x) {
            return x.errno();
        }
        if (e instanceof InterruptedException) {
            return XenbusErrno.ETIMEDOUT;
        }
        return XenbusErrno.EIO;
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Printable 7-bit ASCII, bounded: error text goes into xenstore (docs/misc/xenstore.txt). */
    static String sanitize(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_ERROR_CHARS));
        for (int i = 0; i < s.length() && b.length() < MAX_ERROR_CHARS; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
