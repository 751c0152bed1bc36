package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.UnsupportedBlockOperationException;
import io.jxen.drivers.block.back.engine.IoBatch;
import io.jxen.drivers.block.back.engine.IoEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.RingOverflowException;
import io.jxen.memory.ring.SharedRing;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * blkback for one virtual disk of one frontend (Linux's {@code xen_blkif_ring}, FreeBSD's
 * {@code xbb_softc}), running as an {@link Agent} in the backend domain.
 *
 * <p>{@link #connect} maps the frontend's ring page through its grant
 * ({@code GNTMAP_host_map} into a GFN of the backend's physmap hole), binds the frontend's unbound
 * port, and serves. Each {@link #doWork()} reads {@code req_prod} once and validates it
 * ({@code RING_REQUEST_PROD_OVERFLOW}), copies each request out once and decodes only the copy
 * ({@link BlkifRequestDecoder}, XSA-155), advances {@code req_cons} before doing the I/O,
 * moves the data through grant mappings of the segment pages (one page at a time, unmapped
 * before the response is pushed, as MirageOS does; or, with {@link #withGrantCopy}, by
 * {@code GNTTABOP_copy} through a bounce page as QEMU and blktap3 do; or through persistent
 * mappings kept in a bounded LRU when both ends set {@code feature-persistent}), writes the response with every byte set
 * ({@link BlkifResponseEncoder}, XSA-216) and notifies per ring.h
 * ({@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}, then {@code RING_FINAL_CHECK_FOR_REQUESTS}).
 *
 * <p>Requests are executed one at a time in ring order on the blocking {@link BlockDevice}
 * methods, so {@code WRITE_BARRIER} ordering holds by construction (every earlier request has
 * completed when it starts) and {@code FLUSH_DISKCACHE} is durable when its response is
 * written. Guest-caused failures answer the request with {@code BLKIF_RSP_ERROR} (a bad data
 * grant, an I/O error) or fail this device only (a bogus ring index): it goes to
 * {@link State#CLOSED} with {@link #error()} set and unbinds, while other devices keep serving.
 */
public final class Blkback implements Agent {

    /** Where a device is in its life. */
    public enum State {
        /** Created, not yet connected. */
        INITIALISED,
        /** Serving its ring. */
        CONNECTED,
        /** Disconnected or failed ({@link #error()} says which). */
        CLOSED
    }

    /** GFNs of the backend's physmap hole each device needs without persistent grants: the ring page and one data page. */
    public static final int WINDOW_PAGES = 2;

    /** Linux blkback's default bound on persistent grants per ring ({@code max_persistent_grants}). */
    public static final int DEFAULT_PERSISTENT_GRANTS = 1056;

    /**
     * The largest ring this backend maps: 2^4 = 16 pages, Linux's {@code XENBUS_MAX_RING_GRANT_ORDER}
     * (include/xen/xenbus.h) and QEMU's default {@code max-ring-page-order}.
     */
    public static final int MAX_RING_PAGE_ORDER = 4;

    /** GFNs a device needs with room for {@code persistentGrants} persistent mappings (one ring page). */
    public static int windowPages(int persistentGrants) {
        return WINDOW_PAGES + persistentGrants;
    }

    /**
     * GFNs a device needs for a ring of up to {@code 2^maxRingPageOrder} pages, one data page and
     * {@code persistentGrants} persistent mappings.
     */
    public static int windowPages(int persistentGrants, int maxRingPageOrder) {
        checkOrder(maxRingPageOrder);
        return (1 << maxRingPageOrder) + 1 + persistentGrants;
    }

    private static void checkOrder(int order) {
        if (order < 0 || order > MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ring page order " + order + " (0.." + MAX_RING_PAGE_ORDER + ")");
        }
    }

    /** {@code -Djxen.blkback.batch=off}: persistent-grant requests one by one, not in an {@link IoBatch} (for A/B runs). */
    public static final String BATCH_PROPERTY = "jxen.blkback.batch";

    /** Requests served per {@link #doWork()} turn unless {@link #withBatchLimit} says otherwise. */
    public static final int DEFAULT_BATCH_LIMIT = 64;

    private static final Logger LOG = Logger.getLogger(Blkback.class.getName());

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final BlockDevice disk;
    private final BlkifDeviceProfile profile;
    private final Clock clock;
    private final String name;
    private final long ringGfn;
    private long dataGfn;
    private int maxRingPageOrder;
    private final int persistentGrants;
    /** With {@link #persistent}: each cache slot's page segment while its mapping lasts (see {@link #mapData}). */
    private MemorySegment[] slotPages;
    private PersistentGrantCache persistent;
    private long bounceGfn = -1;
    private GrantCopier copier;
    private final BlkbackMetrics metrics = new BlkbackMetrics();
    private final AtomicBoolean kicked = new AtomicBoolean();
    /** Run by the interrupt handler after marking work: wakes whatever runs this agent. */
    private volatile Runnable onKick;
    private int batchLimit = DEFAULT_BATCH_LIMIT;
    private BatchFactory batchFactory = IoBatch::of;
    /** req_event is re-armed by the runner ({@link #finalCheckForRequests()}), not by doWork. */
    private boolean runnerArms;
    /** What the last {@link #takeRequest()} found: its status and the ring slots it took. */
    private int takenStatus;
    private int takenSlots;
    /** The engine of a pipelined backend, null when requests run one at a time. */
    private IoEngine engine;
    private int maxInFlight;
    /** Requests whose engine operation completed, handed over by the engine's threads. */
    private final ConcurrentLinkedQueue<Started> completions = new ConcurrentLinkedQueue<>();
    /** Engine operations started and not yet answered. */
    private int inFlight;
    /** A barrier or flush is in flight: nothing else starts until it is answered. */
    private boolean ordered;
    /** A barrier or flush copied off the ring, waiting for the requests before it to drain. */
    private Started held;
    /** Bumped on disconnect, so completions of a previous connection are dropped. */
    private int generation;

    private volatile State state = State.INITIALISED;
    private volatile String error;
    private BlkbackConnection connection;
    private BackRing ring;
    private BlkifRequestDecoder decoder;
    private BlkifResponseEncoder encoder;
    private MemorySegment requestCopy;
    private MemorySegment responseBuffer;
    private MemorySegment indirectCopy;
    private int[] ringHandles = new int[0];
    private int irq = -1;
    /** FreeBSD's request-size extension as negotiated, null for the standard protocol. */
    private BlkifRequestSizeExtension requestSize;
    /** Takes requests with segment blocks off the ring; null for the standard protocol. */
    private SegmentBlockReader segmentBlocks;
    /**
     * The READ/WRITE requests of the current turn, run together before its responses are pushed
     * (persistent grants, not pipelined); null when requests run one by one.
     */
    private IoBatch batch;
    private BlkifDecoded[] batched = new BlkifDecoded[0];
    private long[] batchedStart = new long[0];
    private long[] batchedEnd = new long[0];
    private boolean[] batchedWrite = new boolean[0];
    /** When the current batch's first request was taken. */
    private long batchStartNanos;
    /**
     * Persistent mappings looked up since the batch began: while it stays within the cache's
     * capacity, a lookup never evicts a page a batched request still names (the cache is LRU).
     */
    private int touched;
    /** Scratch: the mapped pages of the request being added to the batch. */
    private MemorySegment[] mappedPages = new MemorySegment[0];

    /**
     * A backend for {@code disk}, advertising {@code profile}.
     *
     * @param kernel    the backend domain's kernel
     * @param grants    its grant client
     * @param disk      the disk (a {@link io.jxen.drivers.block.back.engine.FileEngine} usually)
     * @param profile   what the backend advertised (what requests are checked against)
     * @param windowGfn first of {@link #WINDOW_PAGES} GFNs (or {@link #windowPages(int, int)} with
     *                  {@link #withMaxRingPageOrder}), unused by the backend domain, where grants
     *                  are mapped
     * @param clock     for latency metrics
     * @param name      e.g. {@code "blkback.1.51712"}
     */
    public Blkback(GuestKernel kernel, GrantTableClient grants, BlockDevice disk, BlkifDeviceProfile profile,
                   long windowGfn, Clock clock, String name) {
        this(kernel, grants, disk, profile, windowGfn, 0, clock, name);
    }

    /**
     * A backend that also offers persistent grants ({@code feature-persistent}): with a frontend
     * that asks for them, up to {@code persistentGrants} frontend pages stay mapped (LRU).
     *
     * @param windowGfn        first of {@link #windowPages(int)} free GFNs
     * @param persistentGrants the bound, 0 to offer none
     */
    public Blkback(GuestKernel kernel, GrantTableClient grants, BlockDevice disk, BlkifDeviceProfile profile,
                   long windowGfn, int persistentGrants, Clock clock, String name) {
        if (persistentGrants < 0) {
            throw new IllegalArgumentException("persistent grants " + persistentGrants);
        }
        this.persistentGrants = persistentGrants;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.disk = Objects.requireNonNull(disk, "disk");
        this.profile = Objects.requireNonNull(profile, "profile");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.name = Objects.requireNonNull(name, "name");
        this.ringGfn = windowGfn;
        this.dataGfn = windowGfn + 1;
    }

    /**
     * Runs {@code wake} on the interrupt path whenever the frontend notifies, after the work
     * is marked: a runner that parks between turns (an idle strategy with back-off) can be
     * unparked at once instead of sleeping out its park period with a request on the ring.
     *
     * @return this
     */
    public Blkback onKick(Runnable wake) {
        this.onKick = wake;
        return this;
    }

    /**
     * Moves data with {@code GNTTABOP_copy} through {@code bounceGfn} (a page of the backend's
     * own RAM) instead of mapping the frontend's pages; persistent grants are then not used.
     * Call before {@link #connect}.
     *
     * @return this
     */
    public synchronized Blkback withGrantCopy(long bounceGfn) {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        this.bounceGfn = bounceGfn;
        return this;
    }

    /**
     * Accepts rings of up to {@code 2^order} pages ({@code max-ring-page-order}); the window then
     * holds {@link #windowPages(int, int)} GFNs: the ring pages first, then the data page and the
     * persistent mappings. Call before {@link #connect}.
     *
     * @return this
     */
    public synchronized Blkback withMaxRingPageOrder(int order) {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        checkOrder(order);
        this.maxRingPageOrder = order;
        this.dataGfn = ringGfn + (1L << order);
        return this;
    }

    /**
     * Pipelines requests on {@code engine} (the disk this backend was made with, as an
     * {@link IoEngine}): up to {@code maxInFlight} engine operations run at once and each is
     * answered when it completes, so responses may leave in another order than the requests came
     * (their ids say which is which). {@code WRITE_BARRIER} and {@code FLUSH_DISKCACHE} are
     * ordered: they start only once every earlier request is answered, and no later request
     * starts before they are (drain before and after, as Linux blkback drains for a barrier);
     * their response follows the engine's flush (durable on return). Without this call requests
     * run one at a time on the blocking methods. Call before {@link #connect}.
     *
     * @return this
     */
    public synchronized Blkback withPipelining(int maxInFlight) {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        if (!(disk instanceof IoEngine io)) {
            throw new IllegalArgumentException(name + ": pipelining needs an IoEngine, not " + disk.getClass());
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight);
        }
        this.engine = io;
        this.maxInFlight = maxInFlight;
        return this;
    }

    /**
     * Serves FreeBSD's request-size extension with {@code negotiated} limits (the frontend wrote
     * its keys, see {@link BlkifRequestSizeExtension}): requests of up to
     * {@code max-request-segments} segments, those past 11 in segment blocks in the following
     * ring slots, each request and its response taking {@link BlkifSegmentBlocks#slots} slots.
     * Without this call the ring carries the standard protocol only. Call before {@link #connect}.
     *
     * @return this
     */
    public synchronized Blkback withRequestSizeExtension(BlkifRequestSizeExtension negotiated) {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        this.requestSize = Objects.requireNonNull(negotiated, "negotiated");
        return this;
    }

    /** The request-size extension's limits in force, or null for the standard protocol. */
    public BlkifRequestSizeExtension requestSizeExtension() {
        return requestSize;
    }

    /** Whether requests are pipelined ({@link #withPipelining}). */
    public boolean pipelined() {
        return engine != null;
    }

    /** Engine operations in flight now (0 when not pipelined). */
    public synchronized int inFlight() {
        return inFlight;
    }

    /**
     * Serves at most {@code limit} requests per {@link #doWork()} turn: a frontend that keeps its
     * ring full gets that many per turn and then yields to the other devices of the runner (or
     * to the scheduler), its further requests waiting in its own ring. Default
     * {@link #DEFAULT_BATCH_LIMIT}.
     *
     * @return this
     */
    public synchronized Blkback withBatchLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("batch limit " + limit);
        }
        this.batchLimit = limit;
        return this;
    }

    /** Makes the batch of a connection ({@link IoBatch#of} unless a test says otherwise). */
    @FunctionalInterface
    interface BatchFactory {
        IoBatch create(BlockDevice disk, int maxTransfers, int maxSegments);
    }

    /**
     * Batches of the next connections come from {@code factory} (tests: {@link IoBatch#lastFirst}
     * shows whether the ordering rules of {@link #serveBatched()} hold whatever order a batch
     * completes in).
     */
    synchronized Blkback withBatchFactory(BatchFactory factory) {
        this.batchFactory = java.util.Objects.requireNonNull(factory, "factory");
        return this;
    }

    /**
     * Leaves {@code req_event} alone when {@link #doWork()} finds the ring empty: the runner
     * polls by calling {@code doWork()} again and, before it sleeps, re-arms through
     * {@link #finalCheckForRequests()} (ring.h's {@code RING_FINAL_CHECK_FOR_REQUESTS}). While
     * it polls, the frontend's {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} finds
     * {@code req_event} behind and sends no event: a backend that is awake is not kicked (no
     * hypercall for the frontend, no interrupt for the backend domain). A runner that never
     * calls {@code finalCheckForRequests()} would sleep through requests: only for runners that
     * do ({@code io.jxen.host.backend.VbdBackends}). Call before {@link #connect}.
     *
     * @return this
     */
    public synchronized Blkback withRunnerArming() {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        this.runnerArms = true;
        return this;
    }

    /**
     * Whether requests wait on the ring, without arming anything (a lender's look after its
     * turn, {@link io.jxen.hypercall.ChannelPoller#poll()}).
     */
    public synchronized boolean hasRequests() {
        if (state != State.CONNECTED) {
            return false;
        }
        try {
            return ring.unconsumedRequests() > 0;
        } catch (RingOverflowException e) {
            fail("frontend provided bogus ring requests: " + e.getMessage());
            return false;
        }
    }

    /**
     * Leaves {@code req_event} behind ({@code req_event = req_cons}): the frontend's next push
     * asks for no event, so it costs no hypercall and wakes no runner. Only for a backend whose
     * frontend's threads lend themselves ({@link io.jxen.hypercall.ChannelPoller#enter()}): one
     * of them serves the ring after its push, and the last to leave arms the event again with
     * {@link #finalCheckForRequests()}.
     */
    public synchronized void disarmRequests() {
        if (state == State.CONNECTED) {
            ring.setRequestEvent(ring.requestConsumer());
        }
    }

    /**
     * Whether the frontend's threads may run this backend's turns
     * ({@link io.jxen.hypercall.ChannelPoller}): requests served in the turn that takes them
     * (not pipelined, whose completions come on the engine's threads), on a disk whose I/O an
     * interrupt of the borrowed thread cannot break ({@link BlockDevice#interruptSafe()}).
     */
    public boolean lendable() {
        return engine == null && disk.interruptSafe();
    }

    /**
     * Attaches {@code poller} to the ring's event channel for the frontend's threads to find
     * ({@link io.jxen.guest.intr.XenIntr#attachPoller}).
     *
     * @return false if not connected, or the hypervisor is in another process
     */
    public synchronized boolean attachPoller(io.jxen.hypercall.ChannelPoller poller) {
        return state == State.CONNECTED && irq >= 0 && kernel.intr().attachPoller(irq, poller);
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS}, for a runner about to sleep
     * ({@link #withRunnerArming()}): asks the frontend for an event on its next request
     * ({@code req_event = req_cons + 1}), then looks at {@code req_prod} once more.
     *
     * @return true when requests are waiting (or engine completions, or the device is not
     *         connected yet): run {@link #doWork()} instead of sleeping
     */
    public synchronized boolean finalCheckForRequests() {
        if (state != State.CONNECTED) {
            return false; // nothing to serve until connect; a disconnected device stays asleep
        }
        if (!completions.isEmpty()) {
            return true;
        }
        if (engine != null && (ordered || held != null || inFlight >= maxInFlight)) {
            return false; // the next completion wakes the runner (onKick); the ring waits for it
        }
        try {
            return ring.finalCheckForRequests();
        } catch (RingOverflowException e) {
            fail("frontend provided bogus ring requests: " + e.getMessage());
            return false;
        }
    }

    /** The largest ring accepted, as an order. */
    public int maxRingPageOrder() {
        return maxRingPageOrder;
    }

    /** Pages of the connected ring (0 before connecting). */
    public synchronized int ringPages() {
        return ring == null ? 0 : ring.ring().pages();
    }

    /** Entries of the connected ring (0 before connecting). */
    public synchronized int ringEntries() {
        return ring == null ? 0 : ring.entries();
    }

    /** Whether data moves by grant copy (else by grant map). */
    public boolean grantCopy() {
        return bounceGfn >= 0;
    }

    /**
     * Maps the ring and binds the event channel. On a bad ring grant or port the device goes to
     * {@link State#CLOSED} with the reason in {@link #error()}, and false comes back.
     *
     * @return true when connected
     */
    public synchronized boolean connect(BlkbackConnection frontend) {
        if (state != State.INITIALISED) {
            throw new IllegalStateException(name + " is " + state);
        }
        this.connection = Objects.requireNonNull(frontend, "frontend");
        List<Integer> refs = frontend.ringRefs();
        if (refs.size() > 1 << maxRingPageOrder) {
            return fail("requested ring of " + refs.size() + " pages exceeds max " + (1 << maxRingPageOrder));
        }
        // Each ring-ref<i> is mapped on its own GFN: the pages are separate frames and the ring
        // layer reads entries across their borders (SharedRing.ofPages).
        ringHandles = new int[refs.size()];
        java.util.Arrays.fill(ringHandles, -1);
        List<MemorySegment> pages = new java.util.ArrayList<>(refs.size());
        for (int i = 0; i < refs.size(); i++) {
            try {
                ringHandles[i] = grants.mapGrantRef(frontend.frontendDomid(), refs.get(i),
                        (ringGfn + i) << XenPage.SHIFT, false);
            } catch (XenException e) {
                return fail("mapping ring-ref" + (refs.size() == 1 ? "" : Integer.toString(i)) + " " + refs.get(i)
                        + ": " + e.getMessage());
            }
            pages.add(kernel.memory().page(ringGfn + i));
        }
        decoder = new BlkifRequestDecoder(frontend.abi(), profile);
        encoder = new BlkifResponseEncoder(frontend.abi());
        int entry = switch (frontend.abi()) {
            case X86_64 -> BlkifSringDescriptor.X86_64.ENTRY_SIZE;
            case X86_32 -> BlkifSringDescriptor.X86_32.ENTRY_SIZE;
        };
        ring = BackRing.init(SharedRing.ofPages(pages, entry));
        pushed = 0;
        if (requestSize != null) {
            try {
                segmentBlocks = new SegmentBlockReader(decoder, requestSize, entry);
            } catch (IllegalArgumentException e) {
                return fail("request-size extension: " + e.getMessage());
            }
        }
        requestCopy = MemorySegment.ofArray(new long[(entry + 7) / 8]);
        responseBuffer = MemorySegment.ofArray(new long[(encoder.responseBytes() + 7) / 8])
                .asSlice(0, encoder.responseBytes());
        indirectCopy = MemorySegment.ofArray(new long[XenPage.SIZE / 8 * BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST]);
        try {
            irq = kernel.intr().bindInterdomain(name, frontend.frontendDomid(), frontend.eventChannel(),
                    IrqHandler.filter(() -> {
                        kicked.set(true);
                        Runnable wake = onKick;
                        if (wake != null) {
                            wake.run();
                        }
                    }));
        } catch (XenException e) {
            return fail("binding event-channel " + frontend.eventChannel() + ": " + e.getMessage());
        }
        if (bounceGfn >= 0) {
            copier = new GrantCopier(kernel, frontend.frontendDomid(), bounceGfn);
        } else if (persistentGrants > 0 && frontend.persistent()) {
            int domid = frontend.frontendDomid();
            persistent = new PersistentGrantCache(new PersistentGrantCache.GrantMapper() {
                @Override
                public int map(int gref, long hostGpa) {
                    return grants.mapGrantRef(domid, gref, hostGpa, false);
                }

                @Override
                public void unmap(long hostGpa, int handle) {
                    grants.unmapGrantRef(hostGpa, handle);
                }
            }, dataGfn + 1, persistentGrants);
            slotPages = new MemorySegment[persistentGrants];
            // Multi-slot requests keep to one at a time; -Djxen.blkback.batch=off too (A/B runs).
            if (engine == null && requestSize == null && !"off".equals(System.getProperty(BATCH_PROPERTY))) {
                batch = batchFactory.create(disk, batchLimit, persistentGrants);
                batched = new BlkifDecoded[batchLimit];
                batchedStart = new long[batchLimit];
                batchedEnd = new long[batchLimit];
                batchedWrite = new boolean[batchLimit];
                mappedPages = new MemorySegment[persistentGrants];
                touched = 0;
            }
        }
        state = State.CONNECTED;
        return true;
    }

    /** Unmaps the ring and unbinds (Linux's {@code xen_blkif_disconnect}); idempotent. */
    public synchronized void disconnect() {
        release();
        if (state != State.CLOSED) {
            state = State.CLOSED;
        }
    }

    /**
     * The vCPU of the backend domain the ring's interrupt is delivered to, as a list for
     * {@link io.jxen.guest.LineWait} (a runner sleeping for its next request takes that vCPU's
     * upcalls itself); empty while unbound.
     */
    public synchronized List<io.jxen.guest.GuestVcpu> interruptVcpus() {
        return irq < 0 ? List.of() : List.of(kernel.vcpu(kernel.intr().vcpuOf(irq)));
    }

    /** The device's state. */
    public State state() {
        return state;
    }

    /** Why the device failed, or null. */
    public String error() {
        return error;
    }

    /** The counters. */
    public BlkbackMetrics metrics() {
        return metrics;
    }

    /** The frontend's domain id, -1 before the first connection. */
    public synchronized int frontendDomid() {
        return connection == null ? -1 : connection.frontendDomid();
    }

    /** What this backend advertised. */
    public BlkifDeviceProfile profile() {
        return profile;
    }

    @Override
    public String roleName() {
        return name;
    }

    /**
     * Serves up to a bounded batch of requests (a flooding frontend is served in turns, not
     * without end: {@link BlkbackMetrics#batchLimited()} counts the turns cut short), then
     * re-arms {@code req_event}. A pipelined backend first answers the operations its engine
     * completed.
     */
    @Override
    public synchronized int doWork() {
        if (state != State.CONNECTED) {
            return 0;
        }
        kicked.set(false);
        int done = 0;
        try {
            if (engine != null) {
                done += harvest();
                if (held != null) {
                    if (inFlight > 0) {
                        return done; // drain before the barrier: wait for the requests ahead of it
                    }
                    Started barrier = held;
                    held = null;
                    start(barrier);
                    done++;
                }
            }
            int served = 0;
            boolean more;
            boolean first = true;
            do {
                int ready = ring.unconsumedRequests();
                if (first && ready > 0 && ready + ring.requestsInService() == ring.entries()) {
                    // Every slot holds a request not yet answered: the frontend could queue no more.
                    metrics.ringFull.incrementAndGet();
                }
                first = false;
                while (ready > 0 && served < batchLimit) {
                    if (engine != null && (ordered || held != null || inFlight >= maxInFlight)) {
                        return done; // resumes when completions free a place (no req_event re-arm)
                    }
                    if (ring.requestConsumerOverflow(ring.requestConsumer())) {
                        runBatch();
                        push();
                        return done; // no response slot (RING_REQUEST_CONS_OVERFLOW); unreachable after the check above
                    }
                    int slots = engine != null ? consumeAsync() : batch != null ? serveBatched() : serveOne();
                    ready -= slots; // more than one for a request with segment blocks
                    served++;
                    done++;
                }
                runBatch(); // the turn's reads and writes, together (one io_uring_enter on a FileEngine)
                push(); // the batch's responses, one event at most (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY)
                if (served >= batchLimit) {
                    if (ready > 0 || ring.unconsumedRequests() > 0) {
                        metrics.batchLimited.incrementAndGet();
                    }
                    return done; // the rest next turn; req_event is not re-armed, so we poll again
                }
                more = runnerArms ? ring.unconsumedRequests() > 0 : ring.finalCheckForRequests();
            } while (more);
        } catch (RingOverflowException | SegmentBlockReader.PastProducer e) {
            fail("frontend provided bogus ring requests: " + e.getMessage());
        }
        return done;
    }

    /** A request taken off the ring: what was decoded and, once run, how it went. */
    private static final class Started {
        final BlkifDecoded decoded;
        final long startNanos;
        final int generation;
        /** Ring slots the request took: its response takes as many. */
        final int slots;
        ByteBuffer buffer;
        volatile Throwable error;

        Started(BlkifDecoded decoded, long startNanos, int generation, int slots) {
            this.decoded = decoded;
            this.startNanos = startNanos;
            this.generation = generation;
            this.slots = slots;
        }
    }

    /**
     * Copies the next request off the ring once, decodes the copy and resolves indirect pages;
     * {@code status[0]} stays OKAY when it is to run, {@code status[1]} is the ring slots it took.
     */
    private BlkifDecoded takeRequest() {
        BlkifDecoded decoded;
        if (segmentBlocks == null) {
            ring.copyRequest(requestCopy);
            decoded = decoder.decode(requestCopy, 0);
            takenSlots = 1;
        } else {
            decoded = segmentBlocks.take(ring, requestCopy);
            takenSlots = segmentBlocks.lastSlots();
        }
        takenStatus = BlkifRsp.OKAY;
        if (decoded instanceof BlkifRequest.IndirectHeader header) {
            BlkifDecoded inner = readIndirect(header);
            if (inner == null) {
                takenStatus = BlkifRsp.ERROR;
                return decoded;
            }
            decoded = inner;
        }
        if (decoded instanceof BlkifRejection rejection) {
            metrics.rejections.incrementAndGet();
            LOG.log(Level.FINE, () -> name + ": refused request " + rejection.rule() + ": " + rejection.detail());
            takenStatus = rejection.status();
        }
        return decoded;
    }

    /**
     * Serves the next request and writes its response; {@link #doWork()} pushes the responses
     * of a batch together. Returns the ring slots it took.
     */
    private int serveOne() {
        long start = clock.nanoTime();
        BlkifDecoded decoded = takeRequest();
        int slots = takenSlots;
        int status = takenStatus != BlkifRsp.OKAY || decoded instanceof BlkifRejection ? takenStatus
                : execute((BlkifRequest) decoded);
        respond(decoded, status, start, slots);
        return slots;
    }

    /**
     * Like {@link #serveOne()}, with persistent grants: a READ or WRITE maps its segments (a bad
     * grant answers it with an error before any byte moves) and joins the turn's {@link IoBatch},
     * which {@link #runBatch()} runs before the turn's responses are pushed. A request whose range
     * overlaps a batched one (either of them a write) runs the batch first, so requests that
     * touch the same sectors still take effect in ring order; any other request (flush, barrier,
     * discard, one too large for the cache) runs the batch first and then runs alone, so it
     * still finds every earlier request complete. Refused requests are answered at once
     * (responses carry their id: their order on the ring is free).
     */
    private int serveBatched() {
        if (touched + BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST > persistent.capacity()) {
            runBatch(); // the indirect pages takeRequest may map must not evict a batched page
        }
        // One clock read per batch: a batched request's latency runs from the batch's start.
        long start = batch.transfers() == 0 ? clock.nanoTime() : batchStartNanos;
        BlkifDecoded decoded = takeRequest();
        int slots = takenSlots;
        if (takenStatus != BlkifRsp.OKAY || decoded instanceof BlkifRejection) {
            respond(decoded, takenStatus, start, slots);
            return slots;
        }
        if (decoded instanceof BlkifRequest.Transfer t && !t.segments().isEmpty()
                && (t.operation() == BlkifOp.READ || t.operation() == BlkifOp.WRITE)
                && t.segments().size() <= batch.maxSegments() && t.segments().size() <= persistent.capacity()) {
            boolean write = t.operation() == BlkifOp.WRITE;
            long from = t.offsetBytes();
            long to = from + t.lengthBytes();
            int n = batch.transfers();
            if (n == batch.maxTransfers() || batch.segments() + t.segments().size() > batch.maxSegments()
                    || touched + t.segments().size() > persistent.capacity() || overlapsBatch(write, from, to)) {
                runBatch();
                n = 0;
                start = clock.nanoTime();
            }
            if (n == 0) {
                batchStartNanos = start;
            }
            List<BlkifSegment> segments = t.segments();
            for (int i = 0; i < segments.size(); i++) {
                MemorySegment page = mapData(segments.get(i).gref(), false);
                if (page == null) {
                    for (int j = 0; j < i; j++) {
                        mappedPages[j] = null;
                    }
                    respond(decoded, BlkifRsp.ERROR, start, slots);
                    return slots;
                }
                mappedPages[i] = page;
            }
            batch.begin(write, from);
            for (int i = 0; i < segments.size(); i++) {
                BlkifSegment seg = segments.get(i);
                batch.segment(mappedPages[i], seg.pageOffsetBytes(), seg.lengthBytes());
                mappedPages[i] = null;
            }
            int index = batch.end();
            batched[index] = decoded;
            batchedStart[index] = from;
            batchedEnd[index] = to;
            batchedWrite[index] = write;
            return slots;
        }
        runBatch(); // ordered after everything before it
        int status = execute((BlkifRequest) decoded);
        respond(decoded, status, start, slots);
        return slots;
    }

    /** Whether [from, to) overlaps a batched request, either of the two writing. */
    private boolean overlapsBatch(boolean write, long from, long to) {
        for (int i = 0; i < batch.transfers(); i++) {
            if ((write || batchedWrite[i]) && from < batchedEnd[i] && batchedStart[i] < to) {
                return true;
            }
        }
        return false;
    }

    /** Runs the batched requests and writes their responses; {@link #doWork()} pushes them. */
    private void runBatch() {
        if (batch == null) {
            return;
        }
        touched = 0;
        int n = batch.transfers();
        if (n == 0) {
            return;
        }
        batch.run();
        long now = clock.nanoTime();
        int reads = 0;
        int writes = 0;
        int failed = 0;
        long readBytes = 0;
        long writtenBytes = 0;
        for (int i = 0; i < n; i++) {
            BlkifRequest.Transfer t = (BlkifRequest.Transfer) batched[i];
            batched[i] = null;
            IOException failure = batch.failure(i);
            int status = BlkifRsp.OKAY;
            if (failure != null) {
                LOG.log(Level.FINE, () -> name + ": request " + t.id() + " failed: " + failure);
                status = BlkifRsp.ERROR;
                failed++;
            } else if (batchedWrite[i]) {
                writes++;
                writtenBytes += batchedEnd[i] - batchedStart[i]; // the request's length, summed when batched
            } else {
                reads++;
                readBytes += batchedEnd[i] - batchedStart[i];
            }
            encoder.encode(responseBuffer, 0, t, status);
            ring.putResponse(responseBuffer); // a batched request takes one slot (no segment blocks)
        }
        metrics.batchAnswered(n, reads, writes, failed, readBytes, writtenBytes, now - batchStartNanos);
        batch.clear();
    }

    /**
     * Encodes the response (every byte, XSA-216) into the next slot and counts it; {@link #push()} publishes.
     * A request of {@code slots} ring slots (segment blocks) moves {@code rsp_prod} by as many:
     * only the first carries the response, the others keep the frontend's own segment bytes.
     */
    private void respond(BlkifDecoded decoded, int status, long startNanos, int slots) {
        respondAt(decoded, status, startNanos, slots, clock.nanoTime());
    }

    /** {@link #respond} with the time of the answer already read (one clock read for a whole batch). */
    private void respondAt(BlkifDecoded decoded, int status, long startNanos, int slots, long nowNanos) {
        encoder.encode(responseBuffer, 0, decoded, status);
        ring.putResponse(responseBuffer);
        for (int i = 1; i < slots; i++) {
            ring.produceResponse();
        }
        metrics.requests.incrementAndGet();
        metrics.answered(decoded, status);
        if (status != BlkifRsp.OKAY) {
            metrics.errors.incrementAndGet();
        }
        metrics.latency(nowNanos - startNanos);
    }

    private void push() {
        if (ring.responseProducerPrivate() == pushed) {
            return; // nothing new since the last push
        }
        pushed = ring.responseProducerPrivate();
        if (ring.pushResponsesAndCheckNotify()) {
            metrics.notifications.incrementAndGet();
            kernel.intr().notify(irq);
        }
    }

    // ---- pipelined ----

    private static boolean isOrdering(BlkifDecoded decoded) {
        return decoded instanceof BlkifRequest.Transfer t
                && (t.operation() == BlkifOp.WRITE_BARRIER || t.operation() == BlkifOp.FLUSH_DISKCACHE);
    }

    /**
     * Takes one request off the ring: refused ones are answered at once, the rest start or wait
     * (barrier). Returns the ring slots it took.
     */
    private int consumeAsync() {
        long start = clock.nanoTime();
        BlkifDecoded decoded = takeRequest();
        int slots = takenSlots;
        if (takenStatus != BlkifRsp.OKAY || decoded instanceof BlkifRejection) {
            respond(decoded, takenStatus, start, slots);
            push();
            return slots;
        }
        Started s = new Started(decoded, start, generation, slots);
        if (isOrdering(decoded) && inFlight > 0) {
            held = s; // drain before: it starts once everything ahead of it is answered
            return slots;
        }
        start(s);
        return slots;
    }

    /**
     * Starts the engine operation of {@code s}. Data to write is gathered from the grants here,
     * on the backend's thread (the grant windows are this thread's); the engine gets a private
     * buffer and its completion only queues {@code s} for {@link #harvest()}.
     */
    private void start(Started s) {
        java.util.concurrent.CompletableFuture<Void> op;
        try {
            op = switch ((BlkifRequest) s.decoded) {
                case BlkifRequest.Discard d -> engine.submitDiscard(d.offsetBytes(), d.lengthBytes());
                case BlkifRequest.Transfer t -> startTransfer(t, s);
                case BlkifRequest.IndirectHeader h -> throw new IllegalStateException("indirect resolved before");
            };
        } catch (GatherFailed e) {
            respond(s.decoded, BlkifRsp.ERROR, s.startNanos, s.slots);
            push();
            return;
        }
        inFlight++;
        metrics.inFlightMax.accumulateAndGet(inFlight, Math::max);
        if (isOrdering(s.decoded)) {
            ordered = true; // drain after: nothing starts until it is answered
        }
        op.whenComplete((v, t) -> {
            s.error = t;
            completions.add(s);
            kicked.set(true);
            Runnable wake = onKick; // a parked runner answers the completion now, not after its back-off
            if (wake != null) {
                wake.run();
            }
        });
    }

    /** A data grant could not be read: the request is answered with an error, nothing started. */
    private static final class GatherFailed extends Exception {
        private static final long serialVersionUID = 1L;

        GatherFailed() {
            super(null, null, false, false);
        }
    }

    private java.util.concurrent.CompletableFuture<Void> startTransfer(BlkifRequest.Transfer t, Started s)
            throws GatherFailed {
        int op = t.operation();
        if (t.segments().isEmpty()) {
            return engine.submitFlush(); // bare flush or barrier: everything before it is answered
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) t.lengthBytes());
        s.buffer = buffer;
        if (op == BlkifOp.READ) {
            return engine.submitRead(t.offsetBytes(), buffer);
        }
        if (!gather(t, buffer)) {
            throw new GatherFailed();
        }
        java.util.concurrent.CompletableFuture<Void> written = engine.submitWrite(t.offsetBytes(), buffer, false);
        if (op == BlkifOp.FLUSH_DISKCACHE || op == BlkifOp.WRITE_BARRIER) {
            return written.thenCompose(v -> engine.submitFlush());
        }
        return written;
    }

    /** Answers every completed engine operation; returns how many. */
    private int harvest() {
        int n = 0;
        for (Started s = completions.poll(); s != null; s = completions.poll()) {
            if (s.generation != generation) {
                continue; // a previous connection's: its ring is gone
            }
            inFlight--;
            if (isOrdering(s.decoded)) {
                ordered = false;
            }
            respond(s.decoded, finish(s), s.startNanos, s.slots);
            n++;
        }
        if (n > 0) {
            push();
        }
        return n;
    }

    /** The status of a completed operation; a read's data goes out to the grants here. */
    private int finish(Started s) {
        Throwable t = s.error;
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof UnsupportedBlockOperationException) {
            return BlkifRsp.EOPNOTSUPP;
        }
        if (t != null) {
            Throwable cause = t;
            LOG.log(Level.FINE, () -> name + ": request failed: " + cause);
            return BlkifRsp.ERROR;
        }
        if (s.decoded instanceof BlkifRequest.Transfer tr && !tr.segments().isEmpty()) {
            if (tr.operation() == BlkifOp.READ) {
                if (!scatter(tr, s.buffer)) {
                    return BlkifRsp.ERROR;
                }
                metrics.bytesRead.addAndGet(tr.lengthBytes());
            } else {
                metrics.bytesWritten.addAndGet(tr.lengthBytes());
            }
        }
        return BlkifRsp.OKAY;
    }

    private int execute(BlkifRequest request) {
        try {
            return switch (request) {
                case BlkifRequest.Discard d -> {
                    disk.discard(d.offsetBytes(), d.lengthBytes());
                    yield BlkifRsp.OKAY;
                }
                case BlkifRequest.Transfer t -> transfer(t);
                case BlkifRequest.IndirectHeader h -> BlkifRsp.ERROR; // resolved before execute
            };
        } catch (UnsupportedBlockOperationException e) {
            return BlkifRsp.EOPNOTSUPP;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, () -> name + ": request " + request.id() + " failed: " + e);
            return BlkifRsp.ERROR;
        }
    }

    /** Copies the indirect pages once each; null when a grant fails. */
    private BlkifDecoded readIndirect(BlkifRequest.IndirectHeader header) {
        int pages = header.indirectGrefs().size();
        for (int i = 0; i < pages; i++) {
            if (copier != null) {
                if (!copier.pull(header.indirectGrefs().get(i), 0, XenPage.SIZE, indirectCopy, (long) i * XenPage.SIZE)) {
                    metrics.grantFailures.incrementAndGet();
                    return null;
                }
                continue;
            }
            MemorySegment page = mapData(header.indirectGrefs().get(i), true);
            if (page == null) {
                return null;
            }
            try {
                MemorySegment.copy(page, 0, indirectCopy, (long) i * XenPage.SIZE, XenPage.SIZE);
            } finally {
                unmapData();
            }
        }
        return decoder.decodeIndirectSegments(header, indirectCopy.asSlice(0, (long) pages * XenPage.SIZE));
    }

    private int transfer(BlkifRequest.Transfer t) throws IOException {
        int op = t.operation();
        if (t.segments().isEmpty()) {
            disk.flush(); // bare FLUSH_DISKCACHE or WRITE_BARRIER: earlier requests are complete
            return BlkifRsp.OKAY;
        }
        if (persistent != null && t.segments().size() <= persistent.capacity()) {
            return transferInPlace(t);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) t.lengthBytes());
        if (op == BlkifOp.READ) {
            disk.read(t.offsetBytes(), buffer);
            if (!scatter(t, buffer)) {
                return BlkifRsp.ERROR;
            }
            metrics.bytesRead.addAndGet(t.lengthBytes());
            return BlkifRsp.OKAY;
        }
        if (!gather(t, buffer)) {
            return BlkifRsp.ERROR;
        }
        disk.write(t.offsetBytes(), buffer, false);
        if (op == BlkifOp.FLUSH_DISKCACHE || op == BlkifOp.WRITE_BARRIER) {
            disk.flush();
        }
        metrics.bytesWritten.addAndGet(t.lengthBytes());
        return BlkifRsp.OKAY;
    }

    /**
     * A transfer straight between the file and the frontend's persistently mapped pages (a
     * scattering read or gathering write of the segments, as Linux blkback hands the segment
     * pages to the block layer as one bio): no bounce buffer, the data is copied once. Every
     * segment is mapped first, so a bad grant answers the request before any byte moves; the
     * request has no more segments than the cache holds, so mapping one never evicts another
     * of the same request.
     */
    private int transferInPlace(BlkifRequest.Transfer t) throws IOException {
        List<BlkifSegment> segments = t.segments();
        List<MemorySegment> parts = new java.util.ArrayList<>(segments.size());
        for (BlkifSegment s : segments) {
            MemorySegment page = mapData(s.gref(), false);
            if (page == null) {
                return BlkifRsp.ERROR;
            }
            parts.add(page.asSlice(s.pageOffsetBytes(), s.lengthBytes()));
        }
        int op = t.operation();
        if (op == BlkifOp.READ) {
            disk.readScattered(t.offsetBytes(), parts);
            metrics.bytesRead.addAndGet(t.lengthBytes());
            return BlkifRsp.OKAY;
        }
        disk.writeGathered(t.offsetBytes(), parts, false);
        if (op == BlkifOp.FLUSH_DISKCACHE || op == BlkifOp.WRITE_BARRIER) {
            disk.flush();
        }
        metrics.bytesWritten.addAndGet(t.lengthBytes());
        return BlkifRsp.OKAY;
    }

    /** Copies the read data out to the frontend's segment pages; false (counted) on a bad grant. */
    private boolean scatter(BlkifRequest.Transfer t, ByteBuffer buffer) {
        int at = 0;
        for (BlkifSegment s : t.segments()) {
            if (copier != null) {
                if (!copier.push(MemorySegment.ofArray(buffer.array()), at, s.gref(), s.pageOffsetBytes(),
                        s.lengthBytes())) {
                    metrics.grantFailures.incrementAndGet();
                    return false;
                }
                at += s.lengthBytes();
                continue;
            }
            MemorySegment page = mapData(s.gref(), false);
            if (page == null) {
                return false;
            }
            try {
                MemorySegment.copy(MemorySegment.ofArray(buffer.array()), at, page, s.pageOffsetBytes(),
                        s.lengthBytes());
            } finally {
                unmapData();
            }
            at += s.lengthBytes();
        }
        return true;
    }

    /** Copies the data to write in from the frontend's segment pages, once; false (counted) on a bad grant. */
    private boolean gather(BlkifRequest.Transfer t, ByteBuffer buffer) {
        int at = 0;
        for (BlkifSegment s : t.segments()) {
            if (copier != null) {
                if (!copier.pull(s.gref(), s.pageOffsetBytes(), s.lengthBytes(), MemorySegment.ofArray(buffer.array()),
                        at)) {
                    metrics.grantFailures.incrementAndGet();
                    return false;
                }
                at += s.lengthBytes();
                continue;
            }
            MemorySegment page = mapData(s.gref(), true);
            if (page == null) {
                return false;
            }
            try {
                MemorySegment.copy(page, s.pageOffsetBytes(), MemorySegment.ofArray(buffer.array()), at,
                        s.lengthBytes());
            } finally {
                unmapData();
            }
            at += s.lengthBytes();
        }
        return true;
    }

    private int dataHandle = -1;
    /** {@code rsp_prod_pvt} at the last push. */
    private int pushed;

    /** Whether persistent grants are in use on this connection (both ends asked). */
    public boolean persistentGrants() {
        return persistent != null;
    }

    /** Persistent mappings now held (at most the bound). */
    public synchronized int persistentMappings() {
        return persistent == null ? 0 : persistent.size();
    }

    /** Requests' data pages found already mapped. */
    public synchronized long persistentHits() {
        return persistent == null ? 0 : persistent.hits();
    }

    /** Maps one frontend page at the data GFN; null (and counted) when the grant is bad. */
    private MemorySegment mapData(int gref, boolean readOnly) {
        if (persistent != null) {
            touched++;
            try {
                // A hit reuses the slot's page segment; a miss (re)mapped the slot, so its GFN
                // names another frame now and the segment is looked up again.
                long misses = persistent.misses();
                long gfn = persistent.map(gref);
                int slot = (int) (gfn - (dataGfn + 1));
                MemorySegment page = slotPages[slot];
                if (page == null || persistent.misses() != misses) {
                    page = kernel.memory().page(gfn);
                    slotPages[slot] = page;
                }
                return page;
            } catch (XenException e) {
                metrics.grantFailures.incrementAndGet();
                LOG.log(Level.FINE, () -> name + ": bad persistent grant " + gref + ": " + e.getMessage());
                return null;
            }
        }
        try {
            dataHandle = grants.mapGrantRef(connection.frontendDomid(), gref, dataGfn << XenPage.SHIFT, readOnly);
        } catch (XenException e) {
            metrics.grantFailures.incrementAndGet();
            LOG.log(Level.FINE, () -> name + ": bad grant " + gref + ": " + e.getMessage());
            return null;
        }
        return kernel.memory().page(dataGfn);
    }

    private void unmapData() {
        if (persistent != null) {
            return; // stays mapped until evicted or disconnected
        }
        grants.unmapGrantRef(dataGfn << XenPage.SHIFT, dataHandle);
        dataHandle = -1;
    }

    private boolean fail(String why) {
        error = why;
        LOG.warning(name + ": " + why + "; device closed");
        release();
        state = State.CLOSED;
        return false;
    }

    private void release() {
        generation++;
        completions.clear();
        inFlight = 0;
        ordered = false;
        held = null;
        if (batch != null) {
            for (int i = 0; i < batch.transfers(); i++) {
                batched[i] = null;
            }
            batch.close(); // nothing runs: a run is synchronous, under this object's lock
            batch = null;
        }
        if (persistent != null) {
            persistent.clear();
            persistent = null;
            slotPages = null;
        }
        if (irq >= 0) {
            int bound = irq;
            irq = -1;
            try {
                kernel.intr().unbind(bound);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, () -> name + ": unbind: " + e);
            }
        }
        ring = null;
        int[] handles = ringHandles;
        ringHandles = new int[0];
        for (int i = 0; i < handles.length; i++) {
            if (handles[i] < 0) {
                continue;
            }
            long gpa = (ringGfn + i) << XenPage.SHIFT;
            try {
                grants.unmapGrantRef(gpa, handles[i]);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, () -> name + ": unmap ring page: " + e);
            }
        }
    }
}
