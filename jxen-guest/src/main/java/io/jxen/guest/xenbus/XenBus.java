package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A XenBus: the device layer over a {@link XenbusStore}. One core, two buses:
 * {@link #front} enumerates {@code /local/domain/<us>/device/<type>/<id>} (frontends in a
 * guest), {@link #back} enumerates {@code /local/domain/<us>/backend/<type>/<frontend-domid>/<id>}
 * (backends in dom0 or a driver domain). Drivers {@link #register} by device type; devices
 * appear and disappear as a watch on the bus's root reports (Linux's xenbus_probe_frontend /
 * _backend, FreeBSD's xenbusb_front / xenbusb_back).
 *
 * <p>Each device runs the xenbus state machine ({@link XenbusDriver} has the table) on a
 * bounded worker pool, devices in parallel, one step at a time per device. Every failure is
 * published and never hangs the bus: a hook that throws, a connect that does not finish
 * within {@link Options#connectTimeoutNanos} on the injected {@link Clock} (checked by
 * {@link #doWork()}, so the bus is an {@link Agent}), the other end closing before the
 * connection was made, its nodes vanishing, or a garbage {@code state}. Publishing is what
 * Linux's {@code xenbus_dev_fatal} does, except that we go straight to Closed instead of
 * waiting in Closing for a peer that may never answer.
 *
 * <p>Watch events only set a per-device flag and schedule that device (XSA-349): a flood
 * becomes one pending event, and the bus re-reads {@code state} rather than trusting events.
 *
 * <p>A frontend follows its backend when the toolstack rewrites the device's {@code backend}
 * and {@code backend-id} (a driver domain restarted under another id): the device re-reads
 * them (Linux's {@code talk_to_otherend} does so at probe and resume), watches the new
 * backend's {@code state} instead of the old one's, and, if it was past Initialising, tears the
 * connection down ({@link XenbusDriver#disconnect}) and goes Closed; the new backend's
 * InitWait then starts it again, with {@link XenbusDevice#otherEndId()} naming the new domain.
 */
public final class XenBus implements Agent, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("xenbus");

    /**
     * Makes a bus's executors: its device workers ({@code threads} of them: how many devices
     * run hooks at once) and its failure publisher (one). The default runs them on platform
     * threads; a test can run them under a controlled scheduler instead, to replay an
     * interleaving of both ends from a seed ({@code XenbusInterleavingTest}).
     */
    @FunctionalInterface
    public interface ExecutorFactory {
        /**
         * @param name    the executor's name, also its threads' ({@code xenbus-front-d1}, ...-fail)
         * @param threads how many tasks may run at once; 1 runs them one at a time, in order
         */
        ExecutorService create(String name, int threads);

        /** Platform daemon threads named after the executor. */
        ExecutorFactory THREADS = (name, threads) -> {
            AtomicInteger n = new AtomicInteger();
            java.util.concurrent.ThreadFactory factory = r -> Thread.ofPlatform().daemon()
                    .name(threads == 1 ? name : name + "-" + n.getAndIncrement()).unstarted(r);
            return threads == 1 ? Executors.newSingleThreadExecutor(factory)
                    : Executors.newFixedThreadPool(threads, factory);
        };
    }

    /**
     * How a bus runs.
     *
     * @param clock               time for the connect timeout
     * @param connectTimeoutNanos from a device's (re)start until Connected
     * @param parallelism         worker threads: how many devices run hooks at once
     * @param executors           what runs the workers and the failure publisher
     */
    public record Options(Clock clock, long connectTimeoutNanos, int parallelism, ExecutorFactory executors) {
        /** Checks the values. */
        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(executors, "executors");
            if (connectTimeoutNanos <= 0 || parallelism < 1) {
                throw new IllegalArgumentException("connectTimeoutNanos > 0 and parallelism >= 1");
            }
        }

        /** On platform threads. */
        public Options(Clock clock, long connectTimeoutNanos, int parallelism) {
            this(clock, connectTimeoutNanos, parallelism, ExecutorFactory.THREADS);
        }

        /** 30 s to connect, 4 workers. */
        public static Options defaults(Clock clock) {
            return new Options(clock, TimeUnit.SECONDS.toNanos(30), 4);
        }

        /** With another connect timeout. */
        public Options withConnectTimeout(long nanos) {
            return new Options(clock, nanos, parallelism, executors);
        }

        /** With another number of workers. */
        public Options withParallelism(int n) {
            return new Options(clock, connectTimeoutNanos, n, executors);
        }

        /** With other executors. */
        public Options withExecutors(ExecutorFactory factory) {
            return new Options(clock, connectTimeoutNanos, parallelism, factory);
        }
    }

    private final boolean front;
    private final XenbusStore store;
    private final int domid;
    private final String home;
    private final String root;
    private final Options options;
    private final Map<String, XenbusDriver> drivers = new ConcurrentHashMap<>();
    private final Map<String, XenbusDevice> devices = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<XenbusDevice>> deviceWaiters = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final ExecutorService failures;
    /** Nodes detached on request: not probed again while they stay in the store. */
    private final Set<String> parked = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scanScheduled = new AtomicBoolean();
    private final AtomicBoolean scanDirty = new AtomicBoolean();
    private final AtomicInteger hooksRunning = new AtomicInteger();
    private final AtomicInteger hooksRunningMax = new AtomicInteger();
    private final String rootToken;
    private volatile boolean started;
    private volatile boolean closing;
    private volatile boolean closed;

    private XenBus(boolean front, XenbusStore store, int domid, Options options) {
        this.front = front;
        this.store = Objects.requireNonNull(store);
        this.domid = domid;
        this.options = Objects.requireNonNull(options);
        this.home = "/local/domain/" + domid;
        this.root = home + (front ? "/device" : "/backend");
        this.rootToken = "xenbus:" + root;
        String name = "xenbus-" + (front ? "front" : "back") + "-d" + domid;
        this.workers = options.executors().create(name, options.parallelism());
        this.failures = options.executors().create(name + "-fail", 1);
    }

    /** A front bus for domain {@code domid} (its own domain), over its store. */
    public static XenBus front(XenbusStore store, int domid, Options options) {
        return new XenBus(true, store, domid, options);
    }

    /** A back bus in domain {@code domid} (dom0 or a driver domain), over its store. */
    public static XenBus back(XenbusStore store, int domid, Options options) {
        return new XenBus(false, store, domid, options);
    }

    /** Whether this is a front bus. */
    public boolean isFront() {
        return front;
    }

    /** The store. */
    public XenbusStore store() {
        return store;
    }

    /** Our domain. */
    public int domid() {
        return domid;
    }

    /** The enumerated directory: {@code <home>/device} or {@code <home>/backend}. */
    public String root() {
        return root;
    }

    /**
     * Registers the driver for its {@link XenbusDriver#type()}; devices of that type already
     * present are probed.
     *
     * @throws IllegalStateException if the type has a driver already
     */
    public void register(XenbusDriver driver) {
        if (drivers.putIfAbsent(driver.type(), driver) != null) {
            throw new IllegalStateException("a driver for " + driver.type() + " is registered already");
        }
        rescan();
    }

    /** Watches the root and probes what is there. */
    public void start() throws XenstoreException, IOException {
        if (started) {
            return;
        }
        started = true;
        store.watch(root, rootToken, (path, token) -> onRootEvent(path));
        rescan();
    }

    /** The devices on the bus now. */
    public List<XenbusDevice> devices() {
        return List.copyOf(devices.values());
    }

    /** The device with this absolute node, if it is on the bus. */
    public Optional<XenbusDevice> device(String nodename) {
        return Optional.ofNullable(devices.get(nodename));
    }

    /** Completes when a device with this absolute node joins the bus (at once if it is on it). */
    public CompletableFuture<XenbusDevice> whenDevice(String nodename) {
        CompletableFuture<XenbusDevice> f = deviceWaiters.computeIfAbsent(nodename, k -> new CompletableFuture<>());
        XenbusDevice d = devices.get(nodename);
        if (d != null) {
            f.complete(d);
        }
        return f;
    }

    /**
     * Detaches a device: {@link XenbusDriver#disconnect}, state Closed published (the final
     * state, so the other end closes too), {@link XenbusDriver#detach}, watches removed. The
     * node is not probed again until it has left the store and come back.
     *
     * @return completes when the device has left the bus
     */
    public CompletableFuture<XenbusDevice> detach(XenbusDevice device) {
        parked.add(device.nodename());
        device.detachRequested.set(true);
        schedule(device);
        return device.detached;
    }

    /** The most driver hooks that ran at the same time (bounded by the parallelism). */
    public int hooksRunningMax() {
        return hooksRunningMax.get();
    }

    /** Checks connect deadlines on the clock: a device past its deadline fails with ETIMEDOUT. */
    @Override
    public int doWork() {
        long now = options.clock().nanoTime();
        int work = 0;
        for (XenbusDevice d : devices.values()) {
            long gen;
            String what;
            synchronized (d.stateLock) {
                if (d.phase != XenbusDevice.Phase.ACTIVE || now - d.deadlineNanos < 0) {
                    continue;
                }
                gen = ++d.generation;
                d.phase = XenbusDevice.Phase.FAILED;
                d.deadlineNanos = Long.MAX_VALUE;
                what = "timed out after " + TimeUnit.NANOSECONDS.toMillis(options.connectTimeoutNanos())
                        + " ms in state " + d.state() + " waiting for " + d.otherEnd() + " (state "
                        + d.otherEndState() + ")";
            }
            Thread t = d.hookThread;
            if (t != null) {
                // Where the hook hangs is what the failure's reader needs first (a lost wake-up,
                // a peer that never answered): its stack, taken before the interrupt moves it.
                LOG.log(System.Logger.Level.WARNING, "xenbus: " + d.nodename() + ": " + what
                        + "; its hook on thread " + t.getName() + " was at:" + stackOf(t));
                t.interrupt(); // a hung hook: its result will be ignored
            }
            try {
                failures.execute(() -> publishFailure(d, gen, XenbusErrno.ETIMEDOUT, what));
            } catch (RejectedExecutionException e) {
                // closing
            }
            d.disconnectPending.set(true);
            schedule(d); // the drain calls disconnect (once a hung hook has returned)
            work++;
        }
        return work;
    }

    /** {@code t}'s stack, one frame a line (at most 40), for a log message. */
    static String stackOf(Thread t) {
        StackTraceElement[] frames = t.getStackTrace();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(frames.length, 40); i++) {
            b.append("\n\tat ").append(frames[i]);
        }
        if (frames.length > 40) {
            b.append("\n\t... ").append(frames.length - 40).append(" more");
        }
        return b.toString();
    }

    @Override
    public String roleName() {
        return "xenbus-" + (front ? "front" : "back") + "-d" + domid;
    }

    /** Detaches every device (publishing Closed), removes the root watch and stops the workers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closing = true;
        if (started) {
            try {
                store.unwatch(root, rootToken);
            } catch (XenstoreException | IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "unwatch " + root + ": " + e.getMessage());
            }
        }
        List<CompletableFuture<XenbusDevice>> all = new ArrayList<>();
        for (XenbusDevice d : devices.values()) {
            all.add(detach(d));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "xenbus: devices did not detach: " + e);
        }
        closed = true;
        workers.shutdownNow();
        failures.shutdown();
    }

    // ---- enumeration ----------------------------------------------------------------------------

    private void onRootEvent(String path) {
        if (!path.startsWith(root)) {
            return;
        }
        String rest = path.substring(root.length());
        String[] parts = rest.split("/", -1);
        int depth = rest.isEmpty() ? 0 : parts.length - 1;
        if (depth <= (front ? 2 : 3)) {
            rescan(); // a type, a domain or a device came or went
        } else if (front && depth == 3 && (parts[3].equals("backend") || parts[3].equals("backend-id"))) {
            // The toolstack pointed the device at another backend (a driver domain restarted
            // under a new id): the device re-reads its other end, as Linux's talk_to_otherend.
            XenbusDevice d = devices.get(root + "/" + parts[1] + "/" + parts[2]);
            if (d != null) {
                d.otherMoved.set(true);
                schedule(d);
            }
        } else if (!front && depth == 4 && parts[4].equals("state")) {
            // A backend's own state: the toolstack writing Initialising there again means it
            // re-created the device (a driver domain restarted under the same id, its backend
            // half written again at once, before this bus saw the directory go).
            XenbusDevice d = devices.get(root + "/" + parts[1] + "/" + parts[2] + "/" + parts[3]);
            if (d != null) {
                d.ownStateWritten.set(true);
                schedule(d);
            }
        }
    }

    private void rescan() {
        if (!started || closing) {
            return;
        }
        scanDirty.set(true);
        if (scanScheduled.compareAndSet(false, true)) {
            submit(this::scanLoop);
        }
    }

    private void scanLoop() {
        try {
            while (scanDirty.getAndSet(false)) {
                try {
                    scan();
                } catch (XenstoreException | IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "xenbus: enumerating " + root + " failed: " + e);
                }
            }
        } finally {
            scanScheduled.set(false);
            if (scanDirty.get() && scanScheduled.compareAndSet(false, true)) {
                submit(this::scanLoop);
            }
        }
    }

    private void scan() throws XenstoreException, IOException {
        Set<String> present = new HashSet<>();
        for (String type : children(root)) {
            XenbusDriver driver = drivers.get(type);
            if (driver == null) {
                continue;
            }
            String typeDir = root + "/" + type;
            if (front) {
                for (String id : children(typeDir)) {
                    present.add(typeDir + "/" + id);
                    add(driver, typeDir + "/" + id, type, id);
                }
            } else {
                for (String fe : children(typeDir)) {
                    for (String id : children(typeDir + "/" + fe)) {
                        String node = typeDir + "/" + fe + "/" + id;
                        present.add(node);
                        add(driver, node, type, id);
                    }
                }
            }
        }
        parked.retainAll(present);
        for (XenbusDevice d : devices.values()) {
            if (!present.contains(d.nodename())) {
                d.removed.set(true);
                schedule(d);
            }
        }
    }

    private List<String> children(String path) throws XenstoreException, IOException {
        try {
            return store.directory(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return List.of();
            }
            throw e;
        }
    }

    private void add(XenbusDriver driver, String node, String type, String id) {
        if (closing || devices.containsKey(node) || parked.contains(node)) {
            return;
        }
        XenbusDevice d = new XenbusDevice(this, driver, node, node.substring(home.length() + 1), type, id);
        synchronized (d.stateLock) {
            d.deadlineNanos = options.clock().nanoTime() + options.connectTimeoutNanos();
        }
        if (devices.putIfAbsent(node, d) == null) {
            CompletableFuture<XenbusDevice> w = deviceWaiters.remove(node);
            if (w != null) {
                w.complete(d);
            }
            schedule(d);
        }
    }

    // ---- per-device scheduling -------------------------------------------------------------------

    void schedule(XenbusDevice d) {
        if (d.scheduled.compareAndSet(false, true)) {
            if (!submit(() -> new DeviceRun(this, d).drain())) {
                d.scheduled.set(false);
            }
        }
    }

    private boolean submit(Runnable r) {
        try {
            workers.execute(r);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    void onOtherEndEvent(XenbusDevice d) {
        boolean pending = d.otherDirty.getAndSet(true);
        d.watchFired(pending && d.scheduled.get());
        schedule(d);
    }

    void forget(XenbusDevice d) {
        devices.remove(d.nodename(), d);
        rescan(); // the node may have come back while the old device was leaving
    }

    long now() {
        return options.clock().nanoTime();
    }

    long connectTimeoutNanos() {
        return options.connectTimeoutNanos();
    }

    String home() {
        return home;
    }

    void hookStarted() {
        int n = hooksRunning.incrementAndGet();
        hooksRunningMax.accumulateAndGet(n, Math::max);
    }

    void hookEnded() {
        hooksRunning.decrementAndGet();
    }

    // ---- publication ------------------------------------------------------------------------------

    /**
     * Writes our {@code state} if the generation is still {@code gen} and our node still exists
     * (a transaction: writing under a removed node would recreate it).
     *
     * @return false if stale, the node is gone, or (a backend) the toolstack wrote the device again
     */
    boolean publish(XenbusDevice d, long gen, XenbusState s) throws XenstoreException, IOException {
        synchronized (d.publishLock) {
            if (d.generation != gen) {
                return false;
            }
            // A backend past Initialising refuses, in the transaction that writes, a state node
            // the toolstack wrote again meanwhile (Initialising, which a backend never
            // publishes): our keys went with the old directory, and a state written now would
            // tell the frontend a stale story. The drain then starts the device over
            // (DeviceRun.startOver).
            boolean guard = !front && d.state() != XenbusState.INITIALISING;
            int outcome = writeState(d, s, guard);
            if (outcome < 0) {
                d.ownStateWritten.set(true);
                schedule(d);
            } else if (outcome == 0) {
                nodeGone(d);
            }
            return outcome > 0;
        }
    }

    /**
     * Our node was found gone when we went to write under it: this device object is done (the
     * toolstack removed it), as if the rescan had seen it go, and whatever is written there next
     * is a new device, probed anew. Waiting for the rescan instead left a device whose InitWait
     * found no directory, then taken for the owner of the toolstack's next one, sitting in
     * Initialising for ever (XenbusInterleavingTest, seed 29 with yields inside publishLock).
     */
    private void nodeGone(XenbusDevice d) {
        d.nodeGone = true;
        d.removed.set(true);
        schedule(d);
    }

    /** Writes the state unconditionally (detach, failure), if our node exists. */
    boolean writeState(XenbusDevice d, XenbusState s) throws XenstoreException, IOException {
        return writeState(d, s, false) > 0;
    }

    /**
     * Writes the state in one transaction if our node exists: 1 written, 0 no node; with
     * {@code refuseRecreated}, -1 (nothing written) when our state node reads Initialising.
     */
    private int writeState(XenbusDevice d, XenbusState s, boolean refuseRecreated) throws XenstoreException, IOException {
        String node = d.nodename();
        String mark = d.probeMark; // only a backend's probe sets one
        int outcome = store.transaction(tx -> {
            String read;
            try {
                read = tx.read(refuseRecreated ? node + "/state" : node);
            } catch (XenstoreException e) {
                if (e.error() == XsError.ENOENT) {
                    return 0; // gone (or half written): nothing to publish into
                }
                throw e;
            }
            if (refuseRecreated && DeviceRun.parseState(read) == XenbusState.INITIALISING) {
                return -1;
            }
            // The first key our probe wrote, gone from a directory that is there: the toolstack
            // wrote it again after our probe, perhaps before our first publish, when Initialising
            // is what it should show (XenbusInterleavingTest, seed 190 with yields inside
            // publishLock: an InitWait retried after EAGAIN landed in the new directory without
            // our keys, and the frontend connected without them). Nothing of ours goes there.
            if (mark != null && readOrNull(tx, mark) == null) {
                return -1;
            }
            tx.write(node + "/state", Integer.toString(s.value()));
            return 1;
        });
        if (outcome > 0) {
            d.stateWritten(s);
        }
        return outcome;
    }

    /** {@code path}'s value, or null if it does not exist (ENOENT). */
    static String readOrNull(io.jxen.xenstore.client.XsNodeOps tx, String path)
            throws XenstoreException, IOException {
        try {
            return tx.read(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    boolean exists(String path) throws XenstoreException, IOException {
        return readOrNull(store.ops(), path) != null;
    }

    /** The error node of a device: {@code <home>/error/<relative node>}, key {@code error}. */
    String errorDir(XenbusDevice d) {
        return home + "/error/" + d.relativeNode();
    }

    /** Publishes a failure of generation {@code gen}: the error node, then state Closed. */
    void publishFailure(XenbusDevice d, long gen, int errno, String message) {
        String text = errno + " " + message;
        synchronized (d.publishLock) {
            if (d.generation != gen) {
                return;
            }
            d.failed(text);
            LOG.log(System.Logger.Level.WARNING, "xenbus: " + d.nodename() + ": " + text);
            try {
                if (exists(d.nodename())) {
                    // As xenbus_dev_error: the error first, so a peer reacting to Closed finds it.
                    store.write(errorDir(d) + "/error", text);
                    // A backend's Closed must not land in a directory the toolstack wrote again
                    // (publish's guard): it would hide the re-creation from that guard and from
                    // DeviceRun.recreated, and a later restart would publish InitWait there
                    // without probing (the new frontend then connects without our keys).
                    boolean guard = !front && d.state() != XenbusState.INITIALISING;
                    if (writeState(d, XenbusState.CLOSED, guard) < 0) {
                        d.ownStateWritten.set(true);
                        schedule(d);
                    }
                } else {
                    nodeGone(d);
                }
            } catch (XenstoreException | IOException e) {
                LOG.log(System.Logger.Level.WARNING, "xenbus: " + d.nodename() + ": cannot publish the failure: " + e);
            }
        }
    }
}
