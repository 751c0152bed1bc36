package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.xs.XsSockmsgDescriptor;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.ChangeEvent;
import io.jxen.xenstore.store.Node;
import io.jxen.xenstore.store.NodeOperations;
import io.jxen.xenstore.store.NodeTable;
import io.jxen.xenstore.store.Permissions;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.store.Store;
import io.jxen.xenstore.store.Transaction;
import io.jxen.xenstore.watch.Watch;
import io.jxen.xenstore.watch.WatchIndex;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPath;
import io.jxen.xenstore.wire.XsPayload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The xenstored request engine, independent of transport: {@link #handle} executes one
 * request of one connection under a single lock, so requests are serialised as in C
 * xenstored. Watch events a request triggers are queued (on every connection, the caller's
 * included) before its reply; the initial event of a WATCH follows its OK, as C does.
 * A connection whose outbox overflows is closed, never the daemon.
 */
public final class XenstoredCore {

    /** public/xen.h's DOMID_SELF. */
    private static final int DOMID_SELF = 0x7FF0;

    /** Special watch fired when a domain is introduced. */
    public static final String INTRODUCE_DOMAIN = "@introduceDomain";
    /** Special watch fired when a domain is released or dies. */
    public static final String RELEASE_DOMAIN = "@releaseDomain";

    private static final System.Logger LOG = System.getLogger("xenstored");

    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Shutdowns and deaths the hypervisor reported ({@link #reportShutdown}, {@link #reportDeath}),
     * not applied yet: a domain's id >= 0 is a shutdown, {@code -1 - domid} a death.
     */
    private final ConcurrentLinkedQueue<Integer> domainEvents = new ConcurrentLinkedQueue<>();
    private final Store store = new Store();
    private final Set<Connection> connections = new LinkedHashSet<>();
    private final Map<Integer, Boolean> introduced = new HashMap<>();
    private final Map<String, Permissions> specialPerms = new HashMap<>();
    /** SET_TARGET: domain -> the domain it may act for. */
    private final Map<Integer, Integer> targets = new HashMap<>();
    /** Domains whose shutdown already fired @releaseDomain (RESUME re-arms it). */
    private final Set<Integer> shutDown = new java.util.HashSet<>();
    private DomainRings rings = DomainRings.NONE;
    private volatile io.jxen.xenstore.journal.Journal journal;
    private final List<Integer> journalIntroduced = new ArrayList<>();
    private final List<Integer> journalReleased = new ArrayList<>();
    /** SET_PERMS of @introduceDomain/@releaseDomain, journaled as pseudo-nodes named by the path. */
    private final List<Store.Mutation> journalSpecial = new ArrayList<>();
    private final Consumer<Connection> onOverflow;
    private final java.util.function.LongSupplier nanoClock;
    /** Domains told (logged) they are over the soft or hard memory quota, as C's domain_chk_quota. */
    private final Set<Integer> softReported = new java.util.HashSet<>();
    private final Set<Integer> hardReported = new java.util.HashSet<>();
    private long droppedEvents;
    /** The connection whose request is being handled (the cause of the events it fires). */
    private Connection handling;
    /** Events of the request being handled still undelivered, plus one while it runs; or null. */
    private java.util.concurrent.atomic.AtomicInteger handlingEvents;
    private Quotas quotas;
    private NodeOperations ops;
    private boolean logging;
    /** Transactions merge child-list changes at commit (see Transaction); false: C's conflicts. */
    private volatile boolean mergeChildLists = true;
    private long nextConnectionId = 1;
    /** C's delivery order: connections in creation order, then registration order. */
    private static final java.util.Comparator<WatchIndex.Entry<Connection>> DELIVERY_ORDER =
            java.util.Comparator.<WatchIndex.Entry<Connection>>comparingLong(h -> h.owner().id())
                    .thenComparingLong(WatchIndex.Entry::sequence);
    private final WatchIndex<Connection> watchIndex = new WatchIndex<>();
    /** Events queued while handling the current request, per connection, to drop duplicates. */
    private final Map<Connection, Set<String>> eventsThisRequest = new HashMap<>();

    /**
     * @param quotas     the limits
     * @param onOverflow called (under the lock) for a connection whose outbox overflowed;
     *                   the transport closes it
     */
    public XenstoredCore(Quotas quotas, Consumer<Connection> onOverflow) {
        this(quotas, onOverflow, System::nanoTime);
    }

    /**
     * @param quotas     the limits
     * @param onOverflow called (under the lock) for a connection whose outbox overflowed;
     *                   the transport closes it
     * @param nanoClock  monotonic nanoseconds, for the watch-event timeout (a virtual clock in
     *                   simulations)
     */
    public XenstoredCore(Quotas quotas, Consumer<Connection> onOverflow, java.util.function.LongSupplier nanoClock) {
        this.onOverflow = onOverflow;
        this.nanoClock = nanoClock;
        setQuotas(quotas);
        introduced.put(0, Boolean.TRUE);
        specialPerms.put(INTRODUCE_DOMAIN, Permissions.DOM0_ONLY);
        specialPerms.put(RELEASE_DOMAIN, Permissions.DOM0_ONLY);
        store.onChange(this::fireWatches);
    }

    /**
     * Chooses how transactions started from now on detect conflicts: merging child lists at
     * commit (the default: no EAGAIN for a parent that only gained or lost other children) or
     * exactly as C xenstored 4.17 (the differential tests against C use that, so both stores
     * stay equal).
     *
     * @param on true to merge
     */
    public void mergeChildLists(boolean on) {
        mergeChildLists = on;
    }

    private void setQuotas(Quotas q) {
        this.quotas = q;
        this.ops = new NodeOperations(q, this::domainExists, this::checkNodeMemory);
    }

    /** The limits in force (transports read the outstanding quota and the event timeout). */
    public Quotas quotas() {
        lock.lock();
        try {
            return quotas;
        } finally {
            lock.unlock();
        }
    }

    /** Now, in nanoseconds of the daemon's clock. */
    public long nanoTime() {
        return nanoClock.getAsLong();
    }

    /**
     * C 4.17's accounting of a domain's memory ({@code domain->memory}): the records of the
     * nodes it owns, its watches, its transactions' node copies and the output queued for its
     * connections.
     */
    private long domainMemory(int domid) {
        long bytes = store.memoryOwnedBy(domid);
        for (Connection c : connections) {
            if (c.caller().domid() == domid) {
                bytes += c.watchBytes + c.outbox().queuedBytes();
                for (Transaction t : c.transactions.values()) {
                    bytes += t.memory();
                }
            }
        }
        return bytes;
    }

    /**
     * C's {@code domain_chk_quota}: whether charging {@code delta} more bytes to the domain
     * reaches its hard quota (dom0 and a disabled quota never do); crossing the soft quota
     * only logs, once per crossing.
     */
    private boolean overMemoryQuota(int domid, long delta) {
        if (domid == 0 || (quotas.memory() == 0 && quotas.memorySoft() == 0)) {
            return false;
        }
        long mem = domainMemory(domid) + delta;
        if (quotas.memory() != 0 && mem >= quotas.memory()) {
            if (hardReported.add(domid)) {
                LOG.log(System.Logger.Level.ERROR, "Domain " + domid
                        + " exceeds hard memory quota, Xenstore interface to domain stalled");
            }
            return true;
        }
        if (hardReported.remove(domid)) {
            LOG.log(System.Logger.Level.INFO, "Domain " + domid + " below hard memory quota again");
        }
        if (quotas.memorySoft() != 0 && mem >= quotas.memorySoft()) {
            if (softReported.add(domid)) {
                LOG.log(System.Logger.Level.WARNING, "Domain " + domid + " exceeds soft memory quota");
            }
        } else if (softReported.remove(domid)) {
            LOG.log(System.Logger.Level.INFO, "Domain " + domid + " below soft memory quota again");
        }
        return false;
    }

    /** Node writes over the memory quota: EIO, as C's write_node_raw answers. */
    private void checkNodeMemory(int domid, long delta) throws XenstoreException {
        if (overMemoryQuota(domid, delta)) {
            throw new XenstoreException(XsError.EIO, "memory quota of dom" + domid);
        }
    }

    /**
     * Whether a transport may take the next request of {@code c} (C's {@code domain_can_read}):
     * an unprivileged domain with {@code outstanding} unconsumed replies at its quota, or at
     * its hard memory quota, waits; its ring is not read meanwhile, so a guest that never
     * reads replies cannot make the daemon queue without bound (XSA-326).
     *
     * @param c           the connection
     * @param outstanding replies of it the transport still holds
     * @return true to go on
     */
    public boolean mayTakeRequest(Connection c, int outstanding) {
        lock.lock();
        try {
            Caller who = c.caller();
            if (who.privileged() || c.closed) {
                return true;
            }
            if (outstanding + c.requestsWithEvents.get() >= quotas.outstanding()) {
                return false;
            }
            return quotas.memory() == 0 || domainMemory(who.domid()) < quotas.memory();
        } finally {
            lock.unlock();
        }
    }

    /** Watch events dropped for over-long payloads or a domain at its memory quota. */
    public long droppedEvents() {
        lock.lock();
        try {
            return droppedEvents;
        } finally {
            lock.unlock();
        }
    }

    private boolean domainExists(int domid) {
        return introduced.containsKey(domid);
    }

    /**
     * Registers a connection.
     *
     * @param caller its identity (socket clients: {@link Caller#DOM0})
     * @param outbox where its messages go
     * @return the connection
     */
    public Connection connect(Caller caller, Outbox outbox) {
        lock.lock();
        try {
            Connection c = new Connection(nextConnectionId++, caller, outbox);
            connections.add(c);
            return c;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets a connection: its watches and transactions (aborted) go with it.
     *
     * @param c the connection
     */
    public void disconnect(Connection c) {
        lock.lock();
        try {
            c.closed = true;
            dropWatches(c);
            c.transactions.clear();
            connections.remove(c);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Plugs in the host side of domain rings (INTRODUCE maps and binds through it).
     *
     * @param domainRings the host's implementation
     */
    public void setDomainRings(DomainRings domainRings) {
        lock.lock();
        try {
            this.rings = java.util.Objects.requireNonNull(domainRings);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers the ring connection of an introduced (or being introduced) domain: an
     * unprivileged caller of that domain (dom0: privileged), with its SET_TARGET if one was set.
     *
     * @param domid  the domain
     * @param outbox its ring
     * @return the connection
     */
    public Connection connectRing(int domid, Outbox outbox) {
        lock.lock();
        try {
            Integer target = targets.get(domid);
            // dom0's own ring (NetBSD's xsd_mfn/xsd_port) is privileged, as in C, where only
            // domains other than dom0 (and --priv-domid) are unprivileged.
            return connect(new Caller(domid, domid == 0, target == null ? -1 : target), outbox);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The ring's guest asked for a reconnect (xenstore-ring.txt): its watches and
     * transactions go, the connection stays.
     *
     * @param c the connection
     */
    public void resetConnection(Connection c) {
        lock.lock();
        try {
            dropWatches(c);
            c.transactions.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The hypervisor reports the domain shut down (crashed, powered off, suspended): as C's
     * {@code check_domains}, {@code @releaseDomain} fires once until RESUME.
     *
     * @param domid the domain
     */
    public void domainShutdown(int domid) {
        lock.lock();
        try {
            eventsThisRequest.clear();
            if (domid != 0 && introduced.containsKey(domid) && shutDown.add(domid)) {
                fireSpecial(RELEASE_DOMAIN);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The hypervisor reports the domain shut down, from any thread and under any lock (the
     * hypervisor's listeners run under its own): queued, and applied as
     * {@link #domainShutdown} in the order reported, before the next request is handled or at
     * {@link #settleDomainEvents()}.
     *
     * @param domid the domain
     */
    public void reportShutdown(int domid) {
        domainEvents.add(domid);
    }

    /**
     * The hypervisor reports the domain destroyed, from any thread and under any lock: queued,
     * and applied as {@link #domainDied} before the next request is handled (or at
     * {@link #settleDomainEvents()}). Why before the next request: a toolstack destroys a
     * domain and may create the next one under the same id at once (jxen gives a driver domain
     * its old id back); its XS_RELEASE and XS_INTRODUCE come after the destruction, so the
     * death must be applied first, or a late death notice would drop the new domain's ring
     * connection, nodes and permissions.
     *
     * @param domid the domain
     */
    public void reportDeath(int domid) {
        domainEvents.add(-1 - domid);
    }

    /**
     * Applies the reported shutdowns and deaths, in order.
     *
     * @return how many were applied
     */
    public int settleDomainEvents() {
        if (domainEvents.isEmpty()) {
            return 0;
        }
        lock.lock();
        try {
            return applyDomainEvents();
        } finally {
            lock.unlock();
        }
    }

    /** Whether reported shutdowns or deaths wait to be applied. */
    public boolean domainEventsPending() {
        return !domainEvents.isEmpty();
    }

    /** Under the lock. */
    private int applyDomainEvents() {
        int applied = 0;
        Integer e;
        while ((e = domainEvents.poll()) != null) {
            if (e >= 0) {
                domainShutdown(e);
            } else {
                domainDied(-1 - e);
            }
            applied++;
        }
        return applied;
    }

    /**
     * The hypervisor destroyed the domain: as XS_RELEASE (its connection dropped, its ring
     * released, its nodes removed: XSA-419, {@code @releaseDomain} fired), and its entries
     * in other domains' permission lists are removed so a reused domid inherits nothing
     * (XSA-322/417).
     *
     * @param domid the domain
     */
    public void domainDied(int domid) {
        lock.lock();
        try {
            eventsThisRequest.clear();
            if (domid == 0) {
                return;
            }
            journalBegin();
            if (introduced.containsKey(domid)) {
                forgetDomain(domid, true);
            } else {
                store.forgetDomain(domid);
            }
            journalEnd();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a domain is introduced (tests, the host). */
    public boolean isIntroduced(int domid) {
        lock.lock();
        try {
            return introduced.containsKey(domid);
        } finally {
            lock.unlock();
        }
    }

    /** RELEASE and death: everything of the domain goes; @releaseDomain fires. */
    private void forgetDomain(int domid, boolean dead) {
        introduced.remove(domid);
        if (journal != null) {
            journalReleased.add(domid);
        }
        shutDown.remove(domid);
        targets.remove(domid);
        targets.values().removeIf(t -> t == domid);
        for (Connection c : List.copyOf(connections)) {
            if (c.caller().domid() == domid && !c.caller().privileged()) {
                disconnect(c);
            } else if (c.caller().target() == domid) {
                c.setCaller(new Caller(c.caller().domid(), c.caller().privileged(), -1));
            }
        }
        rings.release(domid);
        removeNodesOwnedBy(domid);
        if (dead) {
            // Only on death: C 4.17 prints a released domain's entries as they were (flagged
            // ignored), and the differential tests compare GET_PERMS after RELEASE.
            store.forgetDomain(domid);
        }
        fireSpecial(RELEASE_DOMAIN);
    }

    /**
     * Makes the store durable: replays what the journal recovered (snapshot, then records),
     * then records every committed request in it. Call before serving anyone.
     *
     * @param j an opened journal
     */
    public void attachJournal(io.jxen.xenstore.journal.Journal j) {
        lock.lock();
        try {
            if (j.recoveredNodes() != null) {
                Map<String, Node> nodes = new HashMap<>(j.recoveredNodes());
                for (String special : List.of(INTRODUCE_DOMAIN, RELEASE_DOMAIN)) {
                    Node n = nodes.remove(special);
                    if (n != null) {
                        specialPerms.put(special, n.perms());
                    }
                }
                store.replaceAll(nodes);
                introduced.clear();
                introduced.put(0, Boolean.TRUE);
                for (int d : j.recoveredDomains()) {
                    introduced.put(d, Boolean.TRUE);
                }
            }
            for (io.jxen.xenstore.journal.Journal.Batch b : j.recoveredBatches()) {
                for (Store.Mutation m : b.mutations()) {
                    if (XsPath.isSpecial(m.path())) {
                        if (m.node() != null) {
                            specialPerms.put(m.path(), m.node().perms());
                        }
                    } else {
                        store.apply(m);
                    }
                }
                for (int d : b.introduced()) {
                    introduced.put(d, Boolean.TRUE);
                }
                for (int d : b.released()) {
                    introduced.remove(d);
                }
            }
            this.journal = j;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forces the journal's appended records to disk (no-op without a journal or when nothing
     * is pending). Every transport calls this before a reply or event leaves for a peer, so
     * nothing is acknowledged before it is durable; requests run since the last call share one
     * force.
     *
     * @return false if the force failed (the transport must not deliver)
     */
    public boolean syncJournal() {
        io.jxen.xenstore.journal.Journal j = journal;
        if (j == null) {
            return true;
        }
        try {
            j.sync();
            return true;
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.ERROR, "xenstored journal: fsync failed", e);
            return false;
        }
    }

    private void journalBegin() {
        if (journal != null) {
            store.beginCapture();
            journalIntroduced.clear();
            journalReleased.clear();
            journalSpecial.clear();
        }
    }

    /** Appends what the request committed; false if the journal could not take it. */
    private boolean journalEnd() {
        io.jxen.xenstore.journal.Journal j = journal;
        if (j == null) {
            return true;
        }
        List<Store.Mutation> mutations = new ArrayList<>(store.endCapture());
        mutations.addAll(journalSpecial);
        io.jxen.xenstore.journal.Journal.Batch b = new io.jxen.xenstore.journal.Journal.Batch(mutations,
                journalIntroduced, journalReleased);
        journalIntroduced.clear();
        journalReleased.clear();
        journalSpecial.clear();
        if (b.isEmpty()) {
            return true;
        }
        try {
            j.append(b);
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.ERROR, "xenstored journal: append failed", e);
            return false;
        }
        if (j.needsCompaction()) {
            Map<String, Node> all = store.snapshot();
            for (Map.Entry<String, Permissions> e : specialPerms.entrySet()) {
                all.put(e.getKey(), Node.leaf(new byte[0], e.getValue()));
            }
            try {
                j.compact(all, new java.util.TreeSet<>(introduced.keySet()));
            } catch (java.io.IOException e) {
                // The record is appended; the old snapshot and journal stay valid.
                LOG.log(System.Logger.Level.WARNING, "xenstored journal: compaction failed; journal keeps growing", e);
            }
        }
        return true;
    }

    /** Number of live connections. */
    public int connectionCount() {
        lock.lock();
        try {
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Executes one request and queues its events and reply.
     *
     * @param c   the requesting connection
     * @param req the request (payload at most XENSTORE_PAYLOAD_MAX)
     */
    public void handle(Connection c, XsMessage req) {
        lock.lock();
        try {
            if (!domainEvents.isEmpty()) {
                applyDomainEvents(); // what happened before this request is seen by it
            }
            if (c.closed) {
                return;
            }
            eventsThisRequest.clear();
            List<XsMessage> after = new ArrayList<>(1);
            XsMessage reply;
            journalBegin();
            handling = c;
            handlingEvents = null;
            try {
                reply = dispatch(c, req, after);
                if (reply.payload().length > XsSockmsgDescriptor.PAYLOAD_MAX) {
                    reply = req.error(XsError.E2BIG);
                }
            } catch (XenstoreException e) {
                reply = req.error(e.error());
            }
            // C's send_reply charges replies beyond its 16-byte default buffer with the quota
            // check: a domain at its memory quota gets ENOMEM instead (the change is done).
            if (reply.payload().length > 16 && reply.type() != XsMessageTypes.ERROR && !c.caller().privileged()
                    && overMemoryQuota(c.caller().domid(), reply.payload().length + XsSockmsgDescriptor.SIZE)) {
                reply = req.error(XsError.ENOMEM);
            }
            if (!journalEnd()) {
                // Applied in memory but not durable: not acknowledged.
                reply = req.error(XsError.EIO);
                after.clear();
            }
            if (logging) {
                LOG.log(System.Logger.Level.INFO, c + " " + req + " -> " + reply);
            }
            send(c, reply);
            for (XsMessage m : after) {
                send(c, m);
            }
        } finally {
            releaseHandlingEvents();
            handling = null;
            lock.unlock();
        }
    }

    private void send(Connection c, XsMessage m) {
        if (c.closed || c.overflowed) {
            return;
        }
        if (!c.outbox().offer(m)) {
            c.overflowed = true;
            onOverflow.accept(c);
        }
    }

    /**
     * A watch event caused by the request being handled: as C's {@code send_event(req, ...)},
     * an unprivileged requester's request stays outstanding (it counts against its
     * {@code outstanding} quota) until every event it caused has been written or dropped, so
     * a guest cannot fill other connections' queues with events faster than they are read.
     */
    private void sendCausedEvent(Connection c, XsMessage m) {
        Connection cause = handling;
        if (cause == null || cause.caller().privileged() || c.closed || c.overflowed) {
            send(c, m);
            return;
        }
        java.util.concurrent.atomic.AtomicInteger pending = handlingEvents;
        if (pending == null) {
            pending = new java.util.concurrent.atomic.AtomicInteger(1);
            handlingEvents = pending;
            cause.requestsWithEvents.incrementAndGet();
        }
        pending.incrementAndGet();
        java.util.concurrent.atomic.AtomicInteger token = pending;
        Runnable delivered = () -> {
            if (token.decrementAndGet() == 0) {
                cause.requestsWithEvents.decrementAndGet();
            }
        };
        if (!c.outbox().offer(m, delivered)) {
            c.overflowed = true;
            onOverflow.accept(c);
        }
    }

    /** The handled request is done: its own hold on the count goes. */
    private void releaseHandlingEvents() {
        java.util.concurrent.atomic.AtomicInteger pending = handlingEvents;
        handlingEvents = null;
        if (pending != null && pending.decrementAndGet() == 0) {
            handling.requestsWithEvents.decrementAndGet();
        }
    }

    /** A reply too big for the wire; turned into E2BIG by {@link #handle} (XSA-72). */
    private static XsMessage reply(XsMessage req, byte[] payload) {
        if (payload.length > XsSockmsgDescriptor.PAYLOAD_MAX) {
            return req.error(XsError.E2BIG);
        }
        return req.reply(payload);
    }

    private XsMessage dispatch(Connection c, XsMessage req, List<XsMessage> after) throws XenstoreException {
        int type = req.type();
        if (!known(type)) {
            throw new XenstoreException(XsError.ENOSYS, XsMessageTypes.name(type));
        }
        Caller caller = c.caller();
        if (privilegedOnly(type) && !caller.privileged()) {
            throw new XenstoreException(XsError.EACCES, "privileged operation");
        }
        Transaction tx = null;
        if (type != XsMessageTypes.WATCH && type != XsMessageTypes.UNWATCH && req.transactionId() != 0) {
            tx = c.transactions.get(req.transactionId());
            if (tx == null) {
                throw new XenstoreException(XsError.ENOENT, "no transaction " + req.transactionId());
            }
        }
        NodeTable t = tx != null ? tx : store;
        byte[] p = req.payload();
        return switch (type) {
            case XsMessageTypes.READ -> reply(req, ops.read(t, caller, path(c, XsPayload.oneArg(p))));
            case XsMessageTypes.WRITE -> {
                int nul = XsPayload.indexOfNul(p, 0);
                if (nul < 0) {
                    throw new XenstoreException(XsError.EINVAL, "no path");
                }
                String path = path(c, new String(p, 0, nul, StandardCharsets.ISO_8859_1));
                byte[] value = java.util.Arrays.copyOfRange(p, nul + 1, p.length);
                ops.write(t, caller, path, value);
                yield req.ack();
            }
            case XsMessageTypes.MKDIR -> {
                ops.mkdir(t, caller, path(c, XsPayload.oneArg(p)));
                yield req.ack();
            }
            case XsMessageTypes.RM -> {
                ops.rm(t, caller, path(c, XsPayload.oneArg(p)));
                yield req.ack();
            }
            case XsMessageTypes.DIRECTORY -> {
                Node n = ops.readable(t, caller, path(c, XsPayload.oneArg(p)));
                yield reply(req, n.childListPayload());
            }
            case XsMessageTypes.DIRECTORY_PART -> directoryPart(c, t, req);
            case XsMessageTypes.GET_PERMS -> getPerms(c, t, req);
            case XsMessageTypes.SET_PERMS -> setPerms(c, t, req);
            case XsMessageTypes.WATCH -> watch(c, req, after);
            case XsMessageTypes.UNWATCH -> unwatch(c, req);
            case XsMessageTypes.RESET_WATCHES -> {
                dropWatches(c);
                c.transactions.clear();
                yield req.ack();
            }
            case XsMessageTypes.TRANSACTION_START -> transactionStart(c, req, tx);
            case XsMessageTypes.TRANSACTION_END -> transactionEnd(c, req, tx);
            case XsMessageTypes.GET_DOMAIN_PATH ->
                    req.reply(XsPayload.joinStrings(XsPath.domainPath((int) XsPayload.atoi(XsPayload.oneArg(p)))));
            case XsMessageTypes.IS_DOMAIN_INTRODUCED -> {
                int domid = (int) XsPayload.atoi(XsPayload.oneArg(p));
                // DOMID_SELF names the caller, which is connected, hence introduced.
                yield req.reply(XsPayload.joinStrings(domid == DOMID_SELF || domainExists(domid) ? "T" : "F"));
            }
            case XsMessageTypes.INTRODUCE -> introduce(req);
            case XsMessageTypes.RELEASE -> release(req);
            case XsMessageTypes.RESUME -> {
                int domid = (int) XsPayload.atoi(XsPayload.oneArg(p));
                if (domid == 0) {
                    throw new XenstoreException(XsError.EINVAL, "cannot resume dom0");
                }
                if (!introduced.containsKey(domid)) {
                    throw new XenstoreException(XsError.ENOENT);
                }
                shutDown.remove(domid);
                yield req.ack();
            }
            case XsMessageTypes.SET_TARGET -> {
                // C takes the first two strings and ignores any more.
                List<String> a = XsPayload.strings(p);
                if (a.size() < 2) {
                    throw new XenstoreException(XsError.EINVAL, "SET_TARGET needs two domids");
                }
                int domid = (int) XsPayload.atoi(a.get(0));
                int target = (int) XsPayload.atoi(a.get(1));
                if (!introduced.containsKey(domid) || !introduced.containsKey(target)) {
                    throw new XenstoreException(XsError.ENOENT);
                }
                // Effective at once on the domain's ring connection(s).
                targets.put(domid, target);
                for (Connection conn : connections) {
                    Caller cc = conn.caller();
                    if (cc.domid() == domid && !cc.privileged()) {
                        conn.setCaller(new Caller(domid, false, target));
                    }
                }
                yield req.ack();
            }
            case XsMessageTypes.CONTROL -> control(req);
            default -> throw new XenstoreException(XsError.ENOSYS);
        };
    }

    private static boolean known(int type) {
        return (type >= XsMessageTypes.CONTROL && type <= XsMessageTypes.SET_TARGET
                && type != XsMessageTypes.WATCH_EVENT && type != XsMessageTypes.ERROR)
                || type == XsMessageTypes.RESET_WATCHES || type == XsMessageTypes.DIRECTORY_PART;
    }

    private static boolean privilegedOnly(int type) {
        return switch (type) {
            case XsMessageTypes.CONTROL, XsMessageTypes.INTRODUCE, XsMessageTypes.RELEASE,
                 XsMessageTypes.IS_DOMAIN_INTRODUCED, XsMessageTypes.RESUME, XsMessageTypes.SET_TARGET -> true;
            default -> false;
        };
    }

    private String path(Connection c, String raw) throws XenstoreException {
        return XsPath.canonical(raw, c.caller().domid(), quotas.pathMax());
    }

    private XsMessage directoryPart(Connection c, NodeTable t, XsMessage req) throws XenstoreException {
        List<String> a = XsPayload.exactly(req.payload(), 2);
        Node n = ops.readable(t, c.caller(), path(c, a.get(0)));
        long offset = XsPayload.atoi(a.get(1));
        byte[] list = n.childListPayload();
        byte[] gen = (n.generation() + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(gen);
        if (offset < 0 || offset >= list.length) {
            out.write(0);
            return req.reply(out.toByteArray());
        }
        int off = (int) offset;
        int max = XsSockmsgDescriptor.PAYLOAD_MAX - gen.length - 1;
        int len = 0;
        while (off + len < list.length) {
            int end = XsPayload.indexOfNul(list, off + len);
            int item = end - (off + len) + 1;
            if (len + item > max) {
                break;
            }
            len += item;
        }
        out.write(list, off, len);
        if (off + len == list.length) {
            out.write(0);
        }
        return req.reply(out.toByteArray());
    }

    private XsMessage getPerms(Connection c, NodeTable t, XsMessage req) throws XenstoreException {
        // C xenstored 4.17 answers GET_PERMS on @introduceDomain/@releaseDomain with EINVAL:
        // the raw path goes through the node-name check.
        Permissions perms = ops.readable(t, c.caller(), path(c, XsPayload.oneArg(req.payload()))).perms();
        return reply(req, XsPayload.joinStrings(perms.toWire()));
    }

    private XsMessage setPerms(Connection c, NodeTable t, XsMessage req) throws XenstoreException {
        List<String> a = XsPayload.strings(req.payload());
        if (a.size() < 2) {
            throw new XenstoreException(XsError.EINVAL, "SET_PERMS needs a path and a permission");
        }
        Permissions perms = Permissions.parse(a.subList(1, a.size()));
        ops.checkPermsQuota(c.caller(), perms);
        String raw = a.getFirst();
        if (XsPath.isSpecial(raw)) {
            Permissions old = specialPerms.get(raw);
            if (old == null) {
                throw new XenstoreException(XsError.ENOENT, "unknown special path");
            }
            if (!old.rightsOf(c.caller()).owner()) {
                throw new XenstoreException(XsError.EACCES);
            }
            specialPerms.put(raw, perms);
            if (journal != null) {
                journalSpecial.add(new Store.Mutation(raw, Node.leaf(new byte[0], perms)));
            }
            return req.ack();
        }
        ops.setPerms(t, c.caller(), path(c, raw), perms);
        return req.ack();
    }

    private XsMessage watch(Connection c, XsMessage req, List<XsMessage> after) throws XenstoreException {
        List<String> a = XsPayload.exactly(req.payload(), 2);
        Watch w = newWatch(c, a.get(0), a.get(1));
        String key = Connection.watchKey(w.path(), w.token());
        if (c.watches.containsKey(key)) {
            throw new XenstoreException(XsError.EEXIST);
        }
        // As C 4.17 ("count > quota" before adding): quota + 1 watches fit.
        if (!c.caller().privileged() && c.watches.size() > quotas.watches()) {
            throw new XenstoreException(XsError.E2BIG, "watches quota");
        }
        long bytes = (long) w.path().length() + w.token().length();
        if (!c.caller().privileged() && overMemoryQuota(c.caller().domid(), bytes)) {
            throw new XenstoreException(XsError.ENOMEM, "memory quota");
        }
        c.watches.put(key, w);
        c.watchBytes += bytes;
        watchIndex.add(c, w);
        XsMessage initial = XsMessage.ofStrings(XsMessageTypes.WATCH_EVENT, 0, 0, a.get(0), a.get(1));
        if (initial.payload().length <= XsSockmsgDescriptor.PAYLOAD_MAX) {
            after.add(initial);
        }
        return req.ack();
    }

    private Watch newWatch(Connection c, String raw, String token) throws XenstoreException {
        if (XsPath.isSpecial(raw)) {
            if (raw.length() > XsSockmsgDescriptor.REL_PATH_MAX) {
                throw new XenstoreException(XsError.EINVAL, "special path too long");
            }
            return new Watch(raw, token, null);
        }
        String prefix = raw.startsWith("/") ? null : XsPath.domainPath(c.caller().domid());
        return new Watch(path(c, raw), token, prefix);
    }

    private XsMessage unwatch(Connection c, XsMessage req) throws XenstoreException {
        List<String> a = XsPayload.exactly(req.payload(), 2);
        // As C: the path is resolved but not validated; an invalid one simply matches nothing.
        String raw = a.get(0);
        String path = raw.startsWith("/") || XsPath.isSpecial(raw) ? raw
                : XsPath.domainPath(c.caller().domid()) + "/" + raw;
        Watch removed = c.watches.remove(Connection.watchKey(path, a.get(1)));
        if (removed == null) {
            throw new XenstoreException(XsError.ENOENT);
        }
        c.watchBytes -= (long) removed.path().length() + removed.token().length();
        watchIndex.remove(c, removed);
        return req.ack();
    }

    private XsMessage transactionStart(Connection c, XsMessage req, Transaction current) throws XenstoreException {
        if (current != null) {
            throw new XenstoreException(XsError.EBUSY, "nested transaction");
        }
        // C 4.17 checks "started > quota" before counting the new one: quota + 1 may be open.
        if (!c.caller().privileged() && c.transactions.size() > quotas.transactions()) {
            throw new XenstoreException(XsError.ENOSPC, "transactions quota");
        }
        int id = c.nextTransactionId;
        while (id == 0 || c.transactions.containsKey(id)) {
            id++;
        }
        c.nextTransactionId = id + 1;
        c.transactions.put(id, new Transaction(store, id, c.caller(), quotas, mergeChildLists));
        return req.reply(XsPayload.joinStrings(Integer.toUnsignedString(id)));
    }

    private XsMessage transactionEnd(Connection c, XsMessage req, Transaction tx) throws XenstoreException {
        String arg = XsPayload.oneArg(req.payload());
        if (!arg.equals("T") && !arg.equals("F")) {
            throw new XenstoreException(XsError.EINVAL, "END takes T or F");
        }
        if (tx == null) {
            throw new XenstoreException(XsError.ENOENT, "no transaction");
        }
        c.transactions.remove(tx.id());
        if (arg.equals("T")) {
            tx.commit();
        }
        return req.ack();
    }

    private XsMessage introduce(XsMessage req) throws XenstoreException {
        List<String> a = XsPayload.strings(req.payload());
        if (a.size() < 3) {
            throw new XenstoreException(XsError.EINVAL, "INTRODUCE needs domid, gfn, port");
        }
        int domid = (int) XsPayload.atoi(a.get(0));
        // C reads the port as unsigned: only 0 is invalid ("-1" is 0xffffffff).
        int port = (int) XsPayload.atoi(a.get(2));
        if (port == 0) {
            throw new XenstoreException(XsError.EINVAL, "bad event channel");
        }
        // The host maps the ring and binds the port (DomainRings); without one, the domain is
        // only recorded. Re-introducing an introduced domain rebinds its port, fires nothing.
        if (introduced.containsKey(domid)) {
            rings.reintroduce(domid, XsPayload.atoi(a.get(1)), port);
            return req.ack();
        }
        if (domid != 0) {
            rings.introduce(domid, XsPayload.atoi(a.get(1)), port);
        }
        introduced.put(domid, Boolean.TRUE);
        if (journal != null) {
            journalIntroduced.add(domid);
        }
        shutDown.remove(domid);
        fireSpecial(INTRODUCE_DOMAIN);
        return req.ack();
    }

    private XsMessage release(XsMessage req) throws XenstoreException {
        int domid = (int) XsPayload.atoi(XsPayload.oneArg(req.payload()));
        if (domid == 0) {
            throw new XenstoreException(XsError.EINVAL, "cannot release dom0");
        }
        if (!introduced.containsKey(domid)) {
            throw new XenstoreException(XsError.ENOENT);
        }
        forgetDomain(domid, false);
        return req.ack();
    }

    /**
     * XSA-419, C xenstored's default: when a domain goes away, every subtree whose root it
     * owns is removed (with the watch events of RM), so nothing it created outlives it and
     * a reused domid cannot inherit it. Walks the tree in C's order (children in creation
     * order, a removed subtree not descended into), iteratively.
     */
    private void removeNodesOwnedBy(int domid) {
        List<String> roots = new ArrayList<>();
        java.util.ArrayDeque<String> stack = new java.util.ArrayDeque<>();
        stack.push("/");
        while (!stack.isEmpty()) {
            String path = stack.pop();
            Node n = store.get(path);
            if (n == null) {
                continue;
            }
            if (!path.equals("/") && n.perms().owner() == domid) {
                roots.add(path);
                continue;
            }
            List<String> children = n.children();
            for (int i = children.size() - 1; i >= 0; i--) {
                stack.push(XsPath.child(path, children.get(i)));
            }
        }
        for (String root : roots) {
            try {
                ops.rm(store, Caller.DOM0, root);
            } catch (XenstoreException e) {
                throw new IllegalStateException("removing " + root + " of dom" + domid, e);
            }
        }
    }

    private XsMessage control(XsMessage req) throws XenstoreException {
        List<String> a = XsPayload.strings(req.payload());
        if (a.isEmpty()) {
            throw new XenstoreException(XsError.EINVAL, "no command");
        }
        String out = switch (a.getFirst()) {
            case "check" -> {
                List<String> problems = store.check();
                if (!problems.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "check: " + problems);
                }
                yield "OK";
            }
            case "log" -> {
                if (a.size() != 2 || !(a.get(1).equals("on") || a.get(1).equals("off"))) {
                    throw new XenstoreException(XsError.EINVAL, "log on|off");
                }
                logging = a.get(1).equals("on");
                yield "OK";
            }
            case "print" -> {
                if (a.size() != 2) {
                    throw new XenstoreException(XsError.EINVAL, "print <string>");
                }
                LOG.log(System.Logger.Level.INFO, a.get(1));
                yield "OK";
            }
            case "quota" -> quota(a);
            case "quota-soft" -> quotaSoft(a);
            case "help" -> "check\t\nlog\ton|off\nprint\t<string>\nquota\t[set <name> <val>|<domid>]\n"
                    + "quota-soft\t[set <name> <val>]\nhelp\t\n";
            default -> throw new XenstoreException(XsError.EINVAL, "unknown command");
        };
        return req.reply(XsPayload.joinStrings(out));
    }

    private String quota(List<String> a) throws XenstoreException {
        if (a.size() == 1) {
            return quotas.report();
        }
        if (a.size() == 4 && a.get(1).equals("set")) {
            long v = XsPayload.atoi(a.get(3));
            if (v <= 0 || v > Integer.MAX_VALUE) {
                throw new XenstoreException(XsError.EINVAL, "bad quota value");
            }
            try {
                setQuotas(quotas.with(a.get(2), (int) v));
            } catch (IllegalArgumentException e) {
                throw new XenstoreException(XsError.EINVAL, e.getMessage());
            }
            return "OK";
        }
        if (a.size() == 2) {
            int domid = (int) XsPayload.atoi(a.get(1));
            if (!domainExists(domid)) {
                throw new XenstoreException(XsError.ENOENT, "no such domain");
            }
            int watches = 0;
            int transactions = 0;
            int outstanding = 0;
            for (Connection c : connections) {
                if (c.caller().domid() == domid) {
                    watches += c.watches.size();
                    transactions += c.transactions.size();
                    outstanding += c.outbox().outstanding() + c.requestsWithEvents.get();
                }
            }
            // C 4.17's layout (domain_get_quota).
            return String.format("Domain %d:%n%-16s: %8d%n%-16s: %8d%n%-16s: %8d%n%-16s: %8d%n%-16s: %8d%n", domid,
                    "nodes", store.nodesOwnedBy(domid), "watches", watches, "transactions",
                    transactions, "outstanding", outstanding, "memory", domainMemory(domid));
        }
        throw new XenstoreException(XsError.EINVAL, "quota [set <name> <val>|<domid>]");
    }

    private String quotaSoft(List<String> a) throws XenstoreException {
        if (a.size() == 1) {
            return quotas.reportSoft();
        }
        if (a.size() == 4 && a.get(1).equals("set")) {
            long v = XsPayload.atoi(a.get(3));
            if (v <= 0 || v > Integer.MAX_VALUE || !a.get(2).equals("memory")) {
                throw new XenstoreException(XsError.EINVAL, "quota-soft set memory <val>");
            }
            setQuotas(quotas.withSoft("memory", (int) v));
            return "OK";
        }
        throw new XenstoreException(XsError.EINVAL, "quota-soft [set <name> <val>]");
    }

    /** Delivers a committed change to every watch it fires, if the watcher may see it. */
    private void fireWatches(ChangeEvent e) {
        List<WatchIndex.Entry<Connection>> hits = watchIndex.matching(e.path(), e.exact());
        if (hits.isEmpty()) {
            return;
        }
        hits.sort(DELIVERY_ORDER);
        Connection checked = null;
        boolean visible = false;
        for (WatchIndex.Entry<Connection> hit : hits) {
            Connection c = hit.owner();
            if (c != checked) {
                checked = c;
                visible = !c.closed && e.visibleTo(c.caller());
            }
            if (!visible) {
                continue;
            }
            Watch w = hit.watch();
            String reported = w.reported(e.path());
            // C xenstored (XSA-326) drops an event identical to one still pending on the
            // connection; all events of one request are pending together.
            if (eventsThisRequest.computeIfAbsent(c, k -> new java.util.HashSet<>()).add(reported + '\0' + w.token())) {
                sendEvent(c, reported, w.token());
            }
        }
    }

    private void fireSpecial(String name) {
        Permissions perms = specialPerms.get(name);
        List<WatchIndex.Entry<Connection>> hits = watchIndex.matching(name, true);
        hits.sort(DELIVERY_ORDER);
        for (WatchIndex.Entry<Connection> hit : hits) {
            Connection c = hit.owner();
            if (!c.closed && perms.rightsOf(c.caller()).read()) {
                sendEvent(c, name, hit.watch().token());
            }
        }
    }

    /** Forgets all of a connection's watches. */
    private void dropWatches(Connection c) {
        for (Watch w : c.watches.values()) {
            watchIndex.remove(c, w);
        }
        c.watches.clear();
        c.watchBytes = 0;
    }

    /**
     * Over-long events are dropped, as C does since XSA-324, and so are events for a domain at
     * its memory quota (C's send_event charges them with the check).
     */
    private void sendEvent(Connection c, String path, String token) {
        byte[] payload = XsPayload.joinStrings(path, token);
        if (payload.length > XsSockmsgDescriptor.PAYLOAD_MAX || (!c.caller().privileged()
                && overMemoryQuota(c.caller().domid(), payload.length + XsSockmsgDescriptor.SIZE))) {
            droppedEvents++;
            return;
        }
        sendCausedEvent(c, new XsMessage(XsMessageTypes.WATCH_EVENT, 0, 0, payload));
    }

    /** Whether CONTROL {@code log on} is in effect. */
    public boolean logging() {
        return logging;
    }

    /** Runs {@link Store#check} under the lock (tests, the {@code check} command). */
    public List<String> checkStore() {
        lock.lock();
        try {
            return store.check();
        } finally {
            lock.unlock();
        }
    }
}
