package io.jxen.drivers.block.front;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenAbi;
import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestDiscardFlyweight;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRequestIndirectFlyweight;
import io.jxen.abi.blkif.BlkifRequestSegmentDescriptor;
import io.jxen.abi.blkif.BlkifResponseFlyweight;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.BlockRanges;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.UnsupportedBlockOperationException;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hypercall.ChannelPoller;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.RingOverflowException;
import io.jxen.memory.ring.SharedRing;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * blkfront for one virtual disk ({@code xbd<N>}): the guest side of the blkif ring, exposed to
 * guest programs as a {@link BlockDevice}.
 *
 * <p>{@link #connect} negotiates against what the backend advertised (the lesser of this
 * frontend's maxima and the backend's; the original protocol's when a key is missing, with the
 * original and reduced values logged; that includes the ring size, {@link #withMaxRingPageOrder}),
 * allocates, zeroes and grants the ring pages (separate frames, {@code ring-ref0..N-1}), allocates
 * an unbound port bound as IRQ {@code xbd<N>} and returns what to publish. Each request takes an
 * {@code id} (an index into the shadow table, as Linux), data pages from the guest's allocator,
 * zeroed and granted for the one request (read-only for writes); more than 11 segments go
 * through indirect pages when the backend advertised {@code feature-max-indirect-segments}.
 * Responses are copied out once and checked: an unknown or idle {@code id}, or an operation that
 * is not the one sent, fails the device (as hardened Linux blkfront does), never the guest.
 * Responses may come in any order. With persistent grants (both ends set
 * {@code feature-persistent}) pages are granted read-write once and kept in a bounded pool for
 * reuse (zeroed once, when first granted: after that they hold only what this backend has seen).
 *
 * <p>Ring replay: {@link #backendGone()} takes the answered responses off the ring, then puts
 * every request still in flight back at the head of the queue in submission order, taking
 * back its grants (a write's data is copied out of its pages first); once the next backend is
 * Connected ({@link #deviceProperties}, never at {@link #connect}) they are prepared again, with
 * fresh grants to whichever domain serves the disk then ({@link #followBackend}) and in its
 * grant mode, and re-sent, so nothing is lost and nothing answered is sent twice. A replayed
 * transfer larger than the new backend's limit goes out in pieces; a replayed flush becomes
 * what the new backend offers (nothing, when it has no cache). Grant allocation failures are
 * detected by the grant client's 0 = success.
 *
 * <p>Polled completion ({@link PolledCompletions}): a caller waiting for its request may take
 * the responses off the ring itself (the blocking calls do, through {@link CompletionWaiter#blocking()},
 * for a bounded window while a core is spare) with the ring's {@code rsp_event} left behind
 * {@code rsp_cons}, so the backend's push raises no event and no vCPU of this guest is woken;
 * the last poller to stop re-arms it ({@code RING_FINAL_CHECK_FOR_RESPONSES}) before it
 * blocks. Poller and interrupt handler take responses under the same lock, each exactly once.
 *
 * <p>Offsets and lengths must be multiples of 512 (blkif's sector); anything else is an
 * {@link IllegalArgumentException}. Thread-safe: one lock guards the ring and the shadow table;
 * futures complete outside it.
 */
public final class Blkfront implements BlockDevice, PolledCompletions {

    /** Granted pages kept for reuse at most (Linux blkback's {@code max_persistent_grants}). */
    public static final int PERSISTENT_POOL_MAX = 1056;

    /** The largest ring a frontend asks for: 16 pages, Linux's {@code XENBUS_MAX_RING_GRANT_ORDER}. */
    public static final int MAX_RING_PAGE_ORDER = 4;

    /** The frontend's own maximum of indirect segments (Linux blkfront's default is 32). */
    public static final int DEFAULT_MAX_INDIRECT_SEGMENTS = 32;

    private static final Logger LOG = Logger.getLogger(Blkfront.class.getName());
    private static final int SECTOR = 512;
    private static final int SECTORS_PER_PAGE = XenPage.SIZE / SECTOR;
    private static final int SEGMENTS_PER_INDIRECT_PAGE = XenPage.SIZE / BlkifRequestSegmentDescriptor.X86_64.SIZE;

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    /** The backend's domain: it changes when the toolstack points the disk at another one ({@link #followBackend}). */
    private int backendDomid;
    private final String name;
    private final int ownMaxIndirectSegments;
    private final boolean ownPersistent;
    /** Granted pages kept for reuse while persistent grants are in use: {gfn, ref}. */
    private final ArrayDeque<long[]> pool = new ArrayDeque<>();
    private boolean persistent;
    private final CompletionWaiter waiter;
    private final XenAbi abi = XenAbi.X86_64;
    private final int slotBytes = BlkifSringDescriptor.X86_64.ENTRY_SIZE;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final BlkifResponseFlyweight response = new BlkifResponseFlyweight(XenAbi.X86_64);
    /** A whole slot: the ring copies entries out whole (RING_COPY_RESPONSE). */
    private final MemorySegment responseCopy = MemorySegment.ofArray(new long[(slotBytes + 7) / 8]);

    private BackendFeatures features;
    private int maxIndirectSegments;
    private boolean flush;
    private boolean barrier;
    private FrontRing ring;
    /**
     * The backend is Connected on the current ring ({@link #deviceProperties}): only then do
     * requests go onto it. Before, the backend may not have mapped the ring nor bound its end
     * of the event channel, and Xen drops a send on a port whose peer is unbound, so a kick
     * would be lost (Linux blkfront re-queues in blkif_recover from blkfront_connect, at the
     * backend's Connected).
     */
    private boolean backendConnected;
    private long[] ringGfns = new long[0];
    private int[] ringRefs = new int[0];
    private int ownMaxRingPageOrder;
    private int ringPageOrder;
    /** The vCPU the ring's interrupt is delivered to ({@link #withVcpu}). */
    private int vcpu;
    private int irq = -1;
    /**
     * The backend's poller ({@link #backendPoller()}) and the IRQ it was looked up for, read
     * and written without the lock: a race costs one more lookup, or one loan to a backend that
     * since disconnected (whose poll and leave then find nothing to do).
     */
    private volatile ChannelPoller poller;
    private volatile int pollerIrq = -1;
    private int pollerLookups;
    private Pending[] shadow = new Pending[0];
    private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
    private long nextSequence;
    private volatile String failure;
    private long requestsSent;
    private long replayed;
    /** Registered buffers: this disk's own, or the one set of a {@link MultiQueueBlkfront}'s queues. */
    private RegisteredBuffers buffers;
    private boolean ownsBuffers = true;
    private long registeredTransfers;
    /** Open {@link Polling}s: while any is, the ring's response event stays unarmed. Under the lock. */
    private int pollers;
    /**
     * The current ring's shared header, for a poller's look at {@code rsp_prod} without the
     * lock; null while disconnected. With {@link #responsesTaken}, {@code rsp_cons} as of the
     * last drain: equal means nothing new (a backend scribbling on {@code rsp_prod} only makes
     * the poller take the lock, where the ring validates it).
     */
    private volatile MemorySegment pollHeader;
    private volatile int responsesTaken;
    /** Requests completed by a poller (not the interrupt handler). */
    private long polledCompletions;
    /** The thread sleeping on the interrupt lines for this ring's completions; shared by a {@link MultiQueueBlkfront}'s queues. */
    private SleeperSlot sleeper = new SleeperSlot();

    /**
     * A frontend for the disk that {@code backendDomid} serves.
     *
     * @param kernel                 the guest
     * @param grants                 its grant client
     * @param backendDomid           the backend's domain
     * @param unit                   N of the IRQ name {@code xbd<N>}
     * @param ownMaxIndirectSegments this frontend's limit for indirect requests (0: never indirect)
     * @param waiter                 how blocking calls wait
     */
    public Blkfront(GuestKernel kernel, GrantTableClient grants, int backendDomid, int unit, int ownMaxIndirectSegments,
                    CompletionWaiter waiter) {
        this(kernel, grants, backendDomid, unit, ownMaxIndirectSegments, false, waiter);
    }

    /**
     * A frontend that may also use persistent grants ({@code feature-persistent}): when the
     * backend offers them too, data and indirect pages are granted read-write once and reused
     * (the data is copied in and out, as Linux blkfront does), up to {@link #PERSISTENT_POOL_MAX}.
     */
    public Blkfront(GuestKernel kernel, GrantTableClient grants, int backendDomid, int unit, int ownMaxIndirectSegments,
                    boolean ownPersistent, CompletionWaiter waiter) {
        this(kernel, grants, backendDomid, "xbd" + unit, ownMaxIndirectSegments, ownPersistent, waiter);
    }

    /**
     * A frontend whose IRQ (and log lines) carry {@code name}: {@code xbd<N>} for a disk, or a
     * queue's name ({@code xbd<N>-q<i>}) under a {@link MultiQueueBlkfront}.
     */
    public Blkfront(GuestKernel kernel, GrantTableClient grants, int backendDomid, String name,
                    int ownMaxIndirectSegments, boolean ownPersistent, CompletionWaiter waiter) {
        this.ownPersistent = ownPersistent;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.backendDomid = backendDomid;
        this.name = name;
        if (ownMaxIndirectSegments < 0
                || ownMaxIndirectSegments > BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST * SEGMENTS_PER_INDIRECT_PAGE) {
            throw new IllegalArgumentException("max indirect segments " + ownMaxIndirectSegments);
        }
        this.ownMaxIndirectSegments = ownMaxIndirectSegments;
        this.waiter = Objects.requireNonNull(waiter, "waiter");
        this.buffers = new RegisteredBuffers(kernel, grants, backendDomid, name);
    }

    /**
     * A registered I/O buffer of at least {@code bytes} (whole pages) in guest memory, granted
     * once to this disk's backend: reads and writes from its views move no data in blkfront
     * ({@link BlockBuffer}).
     *
     * @throws IOException when the guest has no contiguous run of pages or no grant references left
     */
    public BlockBuffer allocateBuffer(int bytes) throws IOException {
        return buffers.allocate(bytes);
    }

    /** Shares a multi-queue disk's registered buffers (its queues all serve the same backend). */
    void useBuffers(RegisteredBuffers shared) {
        this.buffers = shared;
        this.ownsBuffers = false;
    }

    /**
     * Negotiates against {@code backend}, sets up a fresh ring and event channel, and returns
     * what to publish. Nothing goes onto the ring yet, not even the requests in flight from a
     * previous connection: they wait for {@link #deviceProperties} (the backend Connected).
     *
     * @throws IOException when no grant reference is left for the ring
     */
    public FrontendRing connect(BackendFeatures backend) throws IOException {
        List<Pending> complete = new ArrayList<>();
        FrontendRing published;
        lock.lock();
        try {
            if (ring != null) {
                throw new IllegalStateException(name + " is connected; call backendGone() first");
            }
            features = Objects.requireNonNull(backend, "backend");
            negotiate(backend);
            // Each ring page is a page of its own, granted on its own (ring-ref<i>): the backend
            // maps them one by one and the ring layer reads entries across their borders.
            int pages = 1 << ringPageOrder;
            List<MemorySegment> ringPages = new ArrayList<>(pages);
            ringGfns = new long[pages];
            ringRefs = new int[pages];
            java.util.Arrays.fill(ringRefs, -1);
            for (int i = 0; i < pages; i++) {
                long gfn = kernel.pages().allocPage();
                MemorySegment page = kernel.memory().page(gfn);
                page.fill((byte) 0);
                int[] ref = new int[1];
                if (grants.grantForeignAccess(backendDomid, gfn, false, ref) != 0) { // 0 = success
                    kernel.pages().freePage(gfn);
                    releaseRing();
                    throw new IOException(name + ": no grant reference for ring page " + i);
                }
                ringGfns[i] = gfn;
                ringRefs[i] = ref[0];
                ringPages.add(page);
            }
            ring = FrontRing.init(SharedRing.ofPages(ringPages, slotBytes));
            if (pollers > 0) {
                ring.setResponseEvent(ring.responseConsumer()); // someone polls: no event wanted
            }
            responsesTaken = ring.responseConsumer();
            pollHeader = ring.ring().header();
            shadow = new Pending[ring.entries()];
            freeIds.clear();
            for (int i = 0; i < shadow.length; i++) {
                freeIds.add(i);
            }
            irq = kernel.intr().allocAndBindLocalPort(name, backendDomid, IrqHandler.filter(this::interrupt));
            if (vcpu != 0) {
                kernel.intr().bindVcpu(irq, vcpu);
            }
            failure = null;
            List<Integer> refs = new ArrayList<>(ringRefs.length);
            for (int ref : ringRefs) {
                refs.add(ref);
            }
            published = new FrontendRing(refs, kernel.intr().port(irq), abi);
            backendConnected = false;
        } finally {
            lock.unlock();
        }
        completeAll(complete);
        return published;
    }

    /**
     * The backend's device properties arrived (it is Connected): size, sector sizes, read-only
     * and the flush, barrier, discard and persistent-grant features. The negotiated indirect
     * segment count stays: requests on the ring already use it. The backend has mapped the
     * ring and bound the event channel, so the requests waiting (a previous connection's first,
     * in submission order) now go onto the ring, with one kick.
     */
    public void deviceProperties(BackendFeatures backend) {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            features = Objects.requireNonNull(backend, "backend");
            flush = backend.flush();
            barrier = backend.barrier();
            persistent = ownPersistent && backend.persistent();
            if (ring != null) {
                backendConnected = true;
                kick(complete);
            }
        } finally {
            lock.unlock();
        }
        completeAll(complete);
    }

    /**
     * Serves the disk from domain {@code domid} from the next {@link #connect} on: the toolstack
     * pointed the device at another backend domain (a driver domain restarted under a new id).
     * The ring, the port and every data page are granted to it from then on; requests waiting
     * for replay hold no grant (see {@link #backendGone()}). Registered buffers are granted to
     * one domain: this disk's own are closed (their grants to the old id ended, which another
     * domain may hold next) and new ones come from {@link #allocateBuffer}; a replayed transfer
     * in a closed buffer fails with that reason.
     *
     * @throws IllegalStateException while a ring is set up
     */
    public void followBackend(int domid) {
        lock.lock();
        try {
            if (ring != null) {
                throw new IllegalStateException(name + " is connected; call backendGone() first");
            }
            if (domid != backendDomid) {
                LOG.info(name + ": backend moves from d" + backendDomid + " to d" + domid);
                backendDomid = domid;
                if (ownsBuffers) {
                    buffers.closeAll();
                    buffers = new RegisteredBuffers(kernel, grants, domid, name);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The domain serving the disk (the one its grants and port are for). */
    public int backendDomid() {
        lock.lock();
        try {
            return backendDomid;
        } finally {
            lock.unlock();
        }
    }

    /** Whether requests go onto the ring: set up, and the backend Connected on it. */
    public boolean backendConnected() {
        lock.lock();
        try {
            return ring != null && backendConnected;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks for rings of up to {@code 2^order} pages (Linux blkfront's {@code max_ring_page_order});
     * each {@link #connect} uses the lesser of this and the backend's limit. Default 0.
     *
     * @return this
     */
    public Blkfront withMaxRingPageOrder(int order) {
        if (order < 0 || order > MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ring page order " + order + " (0.." + MAX_RING_PAGE_ORDER + ")");
        }
        lock.lock();
        try {
            ownMaxRingPageOrder = order;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Delivers the ring's interrupt to {@code vcpu} from the next {@link #connect} on (default 0):
     * the responses of each queue of a multi-queue disk are then taken off on a vCPU of their own,
     * as Linux spreads its queues' IRQs.
     *
     * @return this
     */
    public Blkfront withVcpu(int vcpu) {
        if (vcpu < 0 || vcpu >= kernel.vcpus()) {
            throw new IllegalArgumentException("vcpu " + vcpu + " (0.." + (kernel.vcpus() - 1) + ")");
        }
        lock.lock();
        try {
            this.vcpu = vcpu;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** The ring page order of the current (or last) connection. */
    public int ringPageOrder() {
        return ringPageOrder;
    }

    /** Entries of the current ring, 0 while disconnected. */
    public int ringEntries() {
        lock.lock();
        try {
            return ring == null ? 0 : ring.entries();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a ring is set up (between {@link #connect} and {@link #backendGone()}). */
    public boolean connected() {
        lock.lock();
        try {
            return ring != null;
        } finally {
            lock.unlock();
        }
    }

    private void negotiate(BackendFeatures backend) {
        int backendIndirect = backend.maxIndirectSegments();
        // Linux blkfront ignores an advertised maximum of 11 or less: direct requests carry that much.
        int negotiated = backendIndirect <= BlkifLimits.MAX_SEGMENTS_PER_REQUEST ? 0
                : Math.min(Math.min(ownMaxIndirectSegments, backendIndirect),
                BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST * SEGMENTS_PER_INDIRECT_PAGE);
        if (negotiated != ownMaxIndirectSegments) {
            LOG.info(name + ": max indirect segments " + ownMaxIndirectSegments + " reduced to " + negotiated
                    + " (backend feature-max-indirect-segments " + backendIndirect + ")");
        }
        maxIndirectSegments = negotiated;
        // The lesser of ours and the backend's (0 when it advertised neither key), as Linux
        // blkfront's "ring_page_order = min(max_ring_page_order, backend max)".
        int order = Math.min(ownMaxRingPageOrder, backend.maxRingPageOrder());
        if (order != ownMaxRingPageOrder) {
            LOG.info(name + ": ring page order " + ownMaxRingPageOrder + " reduced to " + order
                    + " (backend max-ring-page-order " + backend.maxRingPageOrder() + ")");
        }
        ringPageOrder = order;
        flush = backend.flush();
        barrier = backend.barrier();
        persistent = ownPersistent && backend.persistent();
    }

    /** What the backend last advertised (device properties once Connected), or null before the first {@link #connect}. */
    public BackendFeatures backendFeatures() {
        lock.lock();
        try {
            return features;
        } finally {
            lock.unlock();
        }
    }

    /** Whether persistent grants are in use (both ends asked). */
    public boolean persistentGrants() {
        return persistent;
    }

    /** Granted pages waiting for reuse. */
    public int persistentPoolSize() {
        lock.lock();
        try {
            return pool.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The backend went away (crash, suspend, migration): takes answered responses off the ring,
     * releases the ring and port, and queues every request still in flight, in submission
     * order, for the next backend's Connected. Their grants are ended (the pages are freed once
     * the old backend no longer maps them, XSA-396): the next backend may be another domain,
     * and may not use persistent grants.
     */
    public void backendGone() {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            if (ring == null) {
                return;
            }
            if (failure == null) {
                drainResponses(complete);
            }
            List<Pending> inFlight = new ArrayList<>();
            for (int i = 0; i < shadow.length; i++) {
                if (shadow[i] != null) {
                    inFlight.add(shadow[i]);
                    shadow[i] = null;
                }
            }
            inFlight.sort(Comparator.comparingLong((Pending p) -> p.sequence).reversed());
            for (Pending p : inFlight) {
                unprepare(p);
                waiting.addFirst(p);
                replayed++;
            }
            drainPool();
            releaseRing();
            backendConnected = false;
        } finally {
            lock.unlock();
        }
        completeAll(complete);
    }

    /** Requests re-queued by {@link #backendGone()} so far. */
    public long replayedRequests() {
        return replayed;
    }

    /** Reads and writes prepared so far whose segments named a registered buffer's own grants (no copy). */
    public long registeredTransfers() {
        lock.lock();
        try {
            return registeredTransfers;
        } finally {
            lock.unlock();
        }
    }

    /** Requests put on the ring so far (replays included). */
    public long requestsSent() {
        lock.lock();
        try {
            return requestsSent;
        } finally {
            lock.unlock();
        }
    }

    /** Why the device failed (a misbehaving backend), or null. */
    public String failure() {
        return failure;
    }

    /** Negotiated indirect segments (0: direct requests only). */
    public int maxIndirectSegments() {
        return maxIndirectSegments;
    }

    /** The IRQ counted under {@code xbd<N>}, or -1 while disconnected. */
    public int irq() {
        return irq;
    }

    /** Requests submitted and not yet answered. */
    public int inFlight() {
        lock.lock();
        try {
            int n = waiting.size();
            for (Pending p : shadow) {
                if (p != null) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    // ---- BlockDevice ----

    @Override
    public long sizeBytes() {
        return requireFeatures().sectors() * SECTOR;
    }

    @Override
    public int logicalSectorSizeBytes() {
        return requireFeatures().sectorSizeBytes();
    }

    @Override
    public int physicalSectorSizeBytes() {
        return requireFeatures().physicalSectorSizeBytes();
    }

    @Override
    public boolean readOnly() {
        return requireFeatures().readOnly();
    }

    @Override
    public Set<BlockCapability> capabilities() {
        BackendFeatures f = requireFeatures();
        Set<BlockCapability> caps = EnumSet.noneOf(BlockCapability.class);
        if (f.flush() || f.barrier()) {
            caps.add(BlockCapability.FLUSH);
            caps.add(BlockCapability.FUA);
        }
        if (f.discard()) {
            caps.add(BlockCapability.DISCARD);
        }
        return caps;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        ThreadLoan loan = ThreadLoan.enter(this);
        try {
            await(submitRead(offsetBytes, dst), loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        ThreadLoan loan = ThreadLoan.enter(this);
        try {
            await(submitWrite(offsetBytes, src, fua), loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public void flush() throws IOException {
        ThreadLoan loan = ThreadLoan.enter(this);
        try {
            await(submitFlush(), loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        ThreadLoan loan = ThreadLoan.enter(this);
        try {
            await(submitDiscard(offsetBytes, lengthBytes), loan);
        } finally {
            loan.end();
        }
    }

    /**
     * Lends the calling thread to the ring's backend until its loan ends ({@link ThreadLoan}):
     * where the backend is in this process and attached a {@link ChannelPoller} to its end of
     * the ring's event channel, the thread, about to push a request and wait for it, serves the
     * ring itself while it waits ({@link CompletionWaiter}), and its push asks for no event.
     *
     * @return the poller entered (leave it), or null (no backend to lend to)
     */
    ChannelPoller enterBackend() {
        ChannelPoller p = backendPoller();
        if (p == null) {
            return null;
        }
        if (!p.enter()) {
            // The backend this poller served has gone (a reconnect may keep our IRQ number):
            // look the channel's far end up again next time.
            poller = null;
            pollerLookups = 0;
            return null;
        }
        return p;
    }

    /**
     * The poller of the ring's backend, looked up from the hypervisor at most
     * {@link #POLLER_LOOKUPS} times per event channel (none where the backend is in another
     * process, or attaches none), then kept.
     */
    ChannelPoller backendPoller() {
        int i = irq;
        if (i < 0) {
            return null;
        }
        ChannelPoller p = poller;
        if (pollerIrq == i) {
            if (p != null || pollerLookups >= POLLER_LOOKUPS) {
                return p;
            }
        } else {
            pollerIrq = i;
            pollerLookups = 0;
        }
        pollerLookups++;
        try {
            p = kernel.intr().peerPoller(i);
        } catch (RuntimeException e) {
            p = null; // the channel is being torn down: no lender this time
        }
        poller = p;
        return p;
    }

    /** Ring slots in use now (requests pushed, responses not yet taken), read without the lock: may be stale. */
    int ringSlotsInUse() {
        FrontRing r = ring;
        return r == null ? 0 : r.entries() - r.freeRequests();
    }

    /** Lookups of the backend's poller per event channel before it is taken to have none. */
    static final int POLLER_LOOKUPS = 16;

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        BlockRanges.checkWritable("write zeroes", readOnly(), offsetBytes, lengthBytes, sizeBytes());
        long chunk = 1L << 20;
        for (long done = 0; done < lengthBytes; done += chunk) {
            int n = (int) Math.min(chunk, lengthBytes - done);
            write(offsetBytes + done, ByteBuffer.allocate(n), false);
        }
        if (fua) {
            flush();
        }
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        BlockRanges.checkRange(offsetBytes, lengthBytes, sizeBytes());
        return List.of(Extent.data(offsetBytes, lengthBytes));
    }

    /** Fails every request still waiting and releases the ring. */
    @Override
    public void close() {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < shadow.length; i++) {
                if (shadow[i] != null) {
                    shadow[i].error = new IOException(name + " closed");
                    complete.add(shadow[i]);
                    shadow[i] = null;
                }
            }
            while (!waiting.isEmpty()) {
                Pending p = waiting.poll();
                p.error = new IOException(name + " closed");
                complete.add(p);
            }
            drainPool();
            releaseRing();
        } finally {
            lock.unlock();
        }
        completeAll(complete);
        if (ownsBuffers) {
            buffers.closeAll();
        }
    }

    // ---- polled completion ----

    @Override
    public Polling startPolling() {
        lock.lock();
        try {
            if (pollers++ == 0 && ring != null) {
                // rsp_event = rsp_cons: behind every response to come, so no push passes it
                // (a backend that read the old value sends one more event; the handler takes it).
                ring.setResponseEvent(ring.responseConsumer());
            }
        } finally {
            lock.unlock();
        }
        return new Polling() {
            private boolean closed;

            @Override
            public int reap() {
                return closed ? 0 : take();
            }

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                stopPolling();
            }
        };
    }

    @Override
    public int poll() {
        return take();
    }

    /**
     * Waits, polling this ring's completions, for {@code ready} to answer, else blocks with
     * {@code block} ({@link CompletionWaiter#await(PolledCompletions, Supplier, CompletionWaiter.Blocking)}
     * of this disk's waiter): for a caller of the asynchronous API waiting for one of its requests.
     */
    public <T> T await(Supplier<T> ready, CompletionWaiter.Blocking<T> block) throws InterruptedException {
        ThreadLoan loan = ThreadLoan.visit(this); // its requests are pushed already, with their events
        try {
            return waiter.await(this, ready, block, loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public List<io.jxen.guest.GuestVcpu> interruptVcpus() {
        return List.of(kernel.vcpu(vcpu));
    }

    @Override
    public boolean claimSleeper() {
        return sleeper.claim();
    }

    @Override
    public void releaseSleeper() {
        sleeper.release();
    }

    /** Shares {@code slot} as the sleeper of this queue and its siblings (a {@link MultiQueueBlkfront}). */
    void shareSleeper(SleeperSlot slot) {
        this.sleeper = Objects.requireNonNull(slot, "slot");
    }

    /** Requests completed by a poller rather than by the interrupt handler. */
    public long polledCompletions() {
        lock.lock();
        try {
            return polledCompletions;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a {@link Polling} is open (the ring's event is then left unarmed). */
    public boolean polling() {
        lock.lock();
        try {
            return pollers > 0;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the responses there are, if any and the lock is free; arms unless someone polls. */
    private int take() {
        MemorySegment header = pollHeader;
        if (header == null
                || OrderedAccess.getIntAcquire(header, SharedRingDescriptor.RSP_PROD_OFFSET) == responsesTaken
                || !lock.tryLock()) {
            return 0;
        }
        List<Pending> complete = new ArrayList<>();
        int taken;
        try {
            if (ring == null || failure != null) {
                return 0;
            }
            drainResponses(complete);
            taken = complete.size();
            polledCompletions += taken;
            kick(complete);
        } finally {
            lock.unlock();
        }
        completeAll(complete);
        return taken;
    }

    /** A poller stops: the last one arms the event and takes what came before it was armed. */
    private void stopPolling() {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            if (--pollers == 0 && ring != null && failure == null) {
                drainResponses(complete); // ends with RING_FINAL_CHECK_FOR_RESPONSES
                polledCompletions += complete.size();
                kick(complete);
            }
        } finally {
            lock.unlock();
        }
        completeAll(complete);
    }

    // ---- asynchronous API ----

    /** Reads into {@code dst} without blocking; its position moves to its limit on success. */
    public CompletableFuture<Void> submitRead(long offsetBytes, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        BlockRanges.checkRange(offsetBytes, length, sizeBytes());
        checkAligned(offsetBytes, length);
        int chunk = maxBytesPerRequest();
        if (length > 0 && length <= chunk) { // one request: its completion moves dst's position, no future combined
            return submitTransfer(BlkifOp.READ, offsetBytes, dst.slice(dst.position(), length), dst);
        }
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            ByteBuffer part = dst.slice(dst.position() + done, n);
            parts.add(submitTransfer(BlkifOp.READ, offsetBytes + done, part, null));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenRun(() -> dst.position(dst.limit()));
    }

    /** Writes {@code src} without blocking; with {@code fua} a flush follows the data. */
    public CompletableFuture<Void> submitWrite(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        BlockRanges.checkWritable("write", readOnly(), offsetBytes, length, sizeBytes());
        checkAligned(offsetBytes, length);
        int chunk = maxBytesPerRequest();
        CompletableFuture<Void> all;
        if (length > 0 && length <= chunk) {
            all = submitTransfer(BlkifOp.WRITE, offsetBytes, src.slice(src.position(), length), null);
            src.position(src.limit());
        } else {
            List<CompletableFuture<Void>> parts = new ArrayList<>();
            for (int done = 0; done < length; done += chunk) {
                int n = Math.min(chunk, length - done);
                parts.add(submitTransfer(BlkifOp.WRITE, offsetBytes + done, src.slice(src.position() + done, n), null));
            }
            src.position(src.limit());
            all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        }
        if (!fua) {
            return all;
        }
        return all.thenCompose(v -> {
            try {
                return submitFlush();
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    /**
     * Makes completed writes durable: {@code BLKIF_OP_FLUSH_DISKCACHE} with
     * {@code feature-flush-cache}, else a bare {@code WRITE_BARRIER} with {@code feature-barrier},
     * else nothing to do (the backend has no volatile cache it would tell us about).
     */
    public CompletableFuture<Void> submitFlush() throws IOException {
        BlockRanges.checkWritable("flush", readOnly(), 0, 0, sizeBytes());
        int op;
        lock.lock();
        try {
            if (flush) {
                op = BlkifOp.FLUSH_DISKCACHE;
            } else if (barrier) {
                op = BlkifOp.WRITE_BARRIER;
            } else {
                return CompletableFuture.completedFuture(null);
            }
        } finally {
            lock.unlock();
        }
        Pending p = new Pending(op);
        p.flushKind = true; // encoded in kick(): a flush replayed onto another backend follows its features
        return enqueue(p);
    }

    /** Discards a range without blocking ({@code BLKIF_OP_DISCARD}). */
    public CompletableFuture<Void> submitDiscard(long offsetBytes, long lengthBytes) throws IOException {
        BlockRanges.checkWritable("discard", readOnly(), offsetBytes, lengthBytes, sizeBytes());
        if (!requireFeatures().discard()) {
            throw new UnsupportedBlockOperationException(BlockCapability.DISCARD);
        }
        checkAligned(offsetBytes, lengthBytes);
        Pending p = new Pending(BlkifOp.DISCARD);
        new BlkifRequestFlyweight(abi).wrap(p.slot, 0).setOperation(BlkifOp.DISCARD);
        BlkifRequestDiscardFlyweight d = new BlkifRequestDiscardFlyweight(abi).wrap(p.slot, 0);
        d.setFlag(0);
        d.setSectorNumber(offsetBytes / SECTOR);
        d.setNrSectors(lengthBytes / SECTOR);
        return lengthBytes == 0 ? CompletableFuture.completedFuture(null) : enqueue(p);
    }

    /** @param advance a buffer whose position moves to its limit when the request succeeds, or null */
    private CompletableFuture<Void> submitTransfer(int op, long offsetBytes, ByteBuffer data, ByteBuffer advance)
            throws IOException {
        int pages = (data.remaining() + XenPage.SIZE - 1) / XenPage.SIZE;
        Pending p = new Pending(pages > BlkifLimits.MAX_SEGMENTS_PER_REQUEST ? BlkifOp.INDIRECT : op);
        p.responseOp = op;
        p.offsetBytes = offsetBytes;
        p.data = data;
        p.advance = advance;
        return enqueue(p);
    }

    /**
     * Gives a transfer its pages and grants and encodes it, when it gets a ring slot: pages in
     * use are bounded by the ring size times the segments per request. Under the lock.
     */
    private void prepare(Pending p) throws IOException {
        int op = p.responseOp;
        ByteBuffer data = p.data;
        long offsetBytes = p.offsetBytes;
        p.length = data.remaining();
        int pages = (data.remaining() + XenPage.SIZE - 1) / XenPage.SIZE;
        RegisteredBuffers.Span span = p.responseOp == BlkifOp.READ || p.responseOp == BlkifOp.WRITE
                ? buffers.acquire(data, SECTOR) : null;
        if (span != null) {
            p.buffer = span.buffer();
            p.view = data; // prepared afresh after a reconnect (unprepare)
            pages = registeredPages(span.offset(), data.remaining());
            if (span.buffer().backendDomid() != backendDomid) {
                throw new IOException(name + ": registered buffer granted to domain " + span.buffer().backendDomid()
                        + ", the backend is domain " + backendDomid + "; allocate a new buffer");
            }
            if (pages > BlkifLimits.MAX_SEGMENTS_PER_REQUEST && pages > maxIndirectSegments) {
                buffers.release(p.buffer); // one more segment than the copy path needs: copied instead
                p.buffer = null;
                span = null;
                pages = (data.remaining() + XenPage.SIZE - 1) / XenPage.SIZE;
            }
        }
        boolean indirect = pages > BlkifLimits.MAX_SEGMENTS_PER_REQUEST;
        if (op == BlkifOp.READ && span == null) {
            p.readInto = data;
        }
        boolean readOnlyGrant = op != BlkifOp.READ;
        p.pooled = persistent;
        p.dataGfns = new long[pages];
        p.dataRefs = new int[pages];
        int[] firsts = new int[pages];
        int[] lasts = new int[pages];
        try {
            if (span != null) {
                // The caller's own granted pages: segment i covers the sectors of page i the data touches.
                int offset = span.offset();
                int end = offset + data.remaining(); // exclusive, a sector boundary
                int firstPage = offset / XenPage.SIZE;
                for (int i = 0; i < pages; i++) {
                    int page = firstPage + i;
                    int from = Math.max(offset, page * XenPage.SIZE) - page * XenPage.SIZE;
                    int to = Math.min(end, (page + 1) * XenPage.SIZE) - page * XenPage.SIZE;
                    p.dataGfns[i] = span.buffer().firstGfn() + page;
                    p.dataRefs[i] = span.buffer().grantRef(page);
                    firsts[i] = from / SECTOR;
                    lasts[i] = to / SECTOR - 1;
                }
            }
            for (int i = 0; span == null && i < pages; i++) {
                int bytes = Math.min(XenPage.SIZE, data.remaining() - i * XenPage.SIZE);
                long[] granted = takePage(readOnlyGrant);
                MemorySegment page = kernel.memory().page(granted[0]);
                if (op != BlkifOp.READ) {
                    MemorySegment.copy(MemorySegment.ofBuffer(data.slice(data.position() + i * XenPage.SIZE, bytes)), 0,
                            page, 0, bytes);
                }
                p.dataGfns[i] = granted[0];
                p.dataRefs[i] = (int) granted[1];
                lasts[i] = bytes / SECTOR - 1;
            }
            BlkifRequestFlyweight req = new BlkifRequestFlyweight(abi).wrap(p.slot, 0);
            if (!indirect) {
                req.setOperation(op);
                req.setNrSegments(pages);
                req.setHandle(0);
                req.setSectorNumber(offsetBytes / SECTOR);
                for (int i = 0; i < pages; i++) {
                    req.setSegment(i, p.dataRefs[i], firsts[i], lasts[i]);
                }
            } else {
                int indirectPages = (pages + SEGMENTS_PER_INDIRECT_PAGE - 1) / SEGMENTS_PER_INDIRECT_PAGE;
                p.indirectGfns = new long[indirectPages];
                p.indirectRefs = new int[indirectPages];
                for (int ip = 0; ip < indirectPages; ip++) {
                    long[] granted = takePage(true);
                    long gfn = granted[0];
                    MemorySegment page = kernel.memory().page(gfn);
                    int end = Math.min(pages, (ip + 1) * SEGMENTS_PER_INDIRECT_PAGE);
                    for (int s = ip * SEGMENTS_PER_INDIRECT_PAGE; s < end; s++) {
                        long at = (long) (s % SEGMENTS_PER_INDIRECT_PAGE) * BlkifRequestSegmentDescriptor.X86_64.SIZE;
                        OrderedAccess.setIntPlain(page, at + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET, p.dataRefs[s]);
                        OrderedAccess.setBytePlain(page, at + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET, (byte) firsts[s]);
                        OrderedAccess.setBytePlain(page, at + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET, (byte) lasts[s]);
                    }
                    p.indirectGfns[ip] = gfn;
                    p.indirectRefs[ip] = (int) granted[1];
                }
                req.setOperation(BlkifOp.INDIRECT);
                BlkifRequestIndirectFlyweight ind = new BlkifRequestIndirectFlyweight(abi).wrap(p.slot, 0);
                ind.setIndirectOp(op);
                ind.setNrSegments(pages);
                ind.setSectorNumber(offsetBytes / SECTOR);
                ind.setHandle(0);
                for (int ip = 0; ip < indirectPages; ip++) {
                    ind.setIndirectGref(ip, p.indirectRefs[ip]);
                }
            }
        } catch (IOException | RuntimeException e) {
            releasePages(p);
            throw e;
        }
        p.data = null;
        if (span != null) {
            registeredTransfers++;
        }
    }

    /** Pages (segments) a registered transfer of {@code length} bytes at {@code offset} in its buffer touches. */
    private static int registeredPages(int offset, int length) {
        return (offset + length - 1) / XenPage.SIZE - offset / XenPage.SIZE + 1;
    }

    /**
     * A page granted to the backend, {gfn, ref}: from the pool when persistent grants are in use
     * (always read-write then, the backend keeps it mapped for both directions), else fresh,
     * zeroed and granted for this request only. A pooled page is not zeroed again: it has been
     * shared with this backend, and with no one else, since it was zeroed and granted, so it
     * holds only data of earlier requests to this same backend, which the backend has already
     * seen (what XSA-403 guards against is stale guest memory reaching a backend, and that is a
     * fresh page's case). A read overwrites it whole; a write copies its data in.
     */
    private long[] takePage(boolean readOnly) throws IOException {
        if (persistent && !pool.isEmpty()) {
            return pool.poll();
        }
        long gfn = kernel.pages().allocPage();
        kernel.memory().page(gfn).fill((byte) 0); // never share stale guest memory (XSA-403)
        return new long[] {gfn, grant(gfn, readOnly && !persistent)};
    }

    private int grant(long gfn, boolean readOnly) throws IOException {
        int[] ref = new int[1];
        int rc = grants.grantForeignAccess(backendDomid, gfn, readOnly, ref);
        if (rc != 0) { // 0 = success (FreeBSD's convention), a positive errno otherwise
            kernel.pages().freePage(gfn);
            throw new IOException(name + ": no grant reference (errno " + rc + ")");
        }
        return ref[0];
    }

    private CompletableFuture<Void> enqueue(Pending p) throws IOException {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            if (failure != null) {
                throw new IOException(name + " failed: " + failure);
            }
            p.sequence = nextSequence++;
            waiting.add(p);
            kick(complete);
        } finally {
            lock.unlock();
        }
        completeAll(complete);
        return p.future;
    }

    /** Puts waiting requests on the ring while there is room, once the backend is Connected; under the lock. */
    private void kick(List<Pending> complete) {
        if (ring == null || !backendConnected || failure != null) {
            return;
        }
        int placed = 0;
        while (!waiting.isEmpty() && !ring.isFull() && !freeIds.isEmpty()) {
            Pending p = waiting.poll();
            if (p.flushKind && !encodeFlush(p)) {
                complete.add(p); // replayed onto a backend without a cache: nothing to make durable
                continue;
            }
            if (p.data != null && pagesOf(p.data) > maxBytesPerRequest() / XenPage.SIZE) {
                split(p); // replayed onto a backend with a lower limit
                continue;
            }
            if (p.data != null) {
                try {
                    prepare(p);
                } catch (IOException | RuntimeException e) {
                    p.error = e instanceof IOException io ? io : new IOException(e);
                    complete.add(p);
                    continue;
                }
            } else if (p.buffer != null && !p.buffer.isOpen()) {
                // A replayed request whose registered buffer was closed meanwhile: its grants
                // end once it completes, so it must not go out naming them.
                releasePages(p);
                complete.add(p);
                continue;
            }
            int id = freeIds.poll();
            shadow[id] = p;
            new BlkifRequestFlyweight(abi).wrap(p.slot, 0).setId(id);
            ring.putRequest(p.slot);
            requestsSent++;
            placed++;
        }
        if (placed > 0 && ring.pushRequestsAndCheckNotify()) {
            kernel.intr().notify(irq);
        }
    }

    private static int pagesOf(ByteBuffer data) {
        return (data.remaining() + XenPage.SIZE - 1) / XenPage.SIZE;
    }

    /**
     * Encodes a flush as this backend offers it ({@code FLUSH_DISKCACHE}, else a bare
     * {@code WRITE_BARRIER}); false when it offers neither (no volatile cache to flush).
     */
    private boolean encodeFlush(Pending p) {
        int op;
        if (flush) {
            op = BlkifOp.FLUSH_DISKCACHE;
        } else if (barrier) {
            op = BlkifOp.WRITE_BARRIER;
        } else {
            return false;
        }
        p.responseOp = op;
        BlkifRequestFlyweight req = new BlkifRequestFlyweight(abi).wrap(p.slot, 0);
        req.setOperation(op);
        req.setNrSegments(0);
        req.setHandle(0);
        req.setSectorNumber(0);
        return true;
    }

    /**
     * Replaces a waiting transfer by pieces within the current limit, at the head of the
     * queue in order; the transfer's future completes when all of them have. Under the lock.
     */
    private void split(Pending p) {
        int chunk = maxBytesPerRequest();
        ByteBuffer data = p.data;
        int length = data.remaining();
        List<Pending> parts = new ArrayList<>();
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            Pending part = new Pending(p.responseOp);
            part.data = data.slice(data.position() + done, n);
            part.offsetBytes = p.offsetBytes + done;
            part.sequence = p.sequence;
            parts.add(part);
        }
        CompletableFuture.allOf(parts.stream().map(x -> x.future).toArray(CompletableFuture[]::new))
                .whenComplete((v, t) -> {
                    if (t != null) {
                        p.future.completeExceptionally(t instanceof CompletionException && t.getCause() != null
                                ? t.getCause() : t);
                    } else {
                        if (p.advance != null) {
                            p.advance.position(p.advance.limit());
                        }
                        p.future.complete(null);
                    }
                });
        for (int i = parts.size() - 1; i >= 0; i--) {
            waiting.addFirst(parts.get(i));
        }
    }

    /**
     * Takes a request in flight back to what it was before {@link #prepare}: its data (a
     * write's copied out of its granted pages, which were granted read-only unless persistent
     * grants were in use), no pages and no grants (ended, each page freed once no longer mapped).
     * Under the lock.
     */
    private void unprepare(Pending p) {
        if (p.dataRefs == null) {
            return; // a flush or a discard: nothing granted
        }
        if (p.buffer != null) {
            // The caller's registered pages: neither copied nor freed here, only its use let go
            // (a buffer closed meanwhile is retired; the replay then fails with that reason).
            buffers.release(p.buffer);
            registeredTransfers--; // counted again when prepared afresh: once per transfer
            p.buffer = null;
            p.data = p.view;
            p.view = null;
            p.dataRefs = null;
            p.dataGfns = null;
            endIndirect(p);
            return;
        }
        if (p.readInto != null) {
            p.data = p.readInto; // the backend fills the pages of a read: only the length counts
            p.readInto = null;
        } else {
            ByteBuffer copy = ByteBuffer.allocate(p.length);
            MemorySegment to = MemorySegment.ofBuffer(copy);
            for (int i = 0; i < p.dataGfns.length; i++) {
                long at = (long) i * XenPage.SIZE;
                MemorySegment.copy(kernel.memory().page(p.dataGfns[i]), 0, to, at, Math.min(XenPage.SIZE, p.length - at));
            }
            p.data = copy;
        }
        for (int i = 0; i < p.dataRefs.length; i++) {
            if (p.dataRefs[i] != 0) {
                endAccess(p.dataRefs[i], p.dataGfns[i]);
            }
        }
        p.dataRefs = null;
        p.dataGfns = null;
        endIndirect(p);
    }

    private void endIndirect(Pending p) {
        if (p.indirectRefs != null) {
            for (int i = 0; i < p.indirectRefs.length; i++) {
                if (p.indirectRefs[i] != 0) {
                    endAccess(p.indirectRefs[i], p.indirectGfns[i]);
                }
            }
        }
        p.indirectRefs = null;
        p.indirectGfns = null;
    }

    /**
     * The IRQ handler (a filter: it runs in the upcall). While someone polls it takes what is
     * there but leaves the event unarmed: the poller's close arms it.
     */
    private void interrupt() {
        List<Pending> complete = new ArrayList<>();
        lock.lock();
        try {
            if (ring == null || failure != null) {
                return;
            }
            drainResponses(complete);
            kick(complete);
        } finally {
            lock.unlock();
        }
        completeAll(complete);
    }

    /**
     * Takes every response off the ring; under the lock. Unless someone polls, it ends by arming
     * the event (the RING_FINAL_CHECK_FOR_RESPONSES loop); while someone polls,
     * {@code rsp_event} stays behind and it looks once more instead.
     */
    private void drainResponses(List<Pending> complete) {
        try {
            drainLoop(complete);
        } finally {
            if (ring != null) {
                responsesTaken = ring.responseConsumer();
            }
        }
    }

    private void drainLoop(List<Pending> complete) {
        try {
            do {
                for (int n = ring.unconsumedResponses(); n > 0; n--) {
                    ring.copyResponse(responseCopy);
                    response.wrap(responseCopy, 0);
                    long id = response.getId();
                    int op = response.getOperation();
                    int status = response.getStatus();
                    if (id < 0 || id >= shadow.length || shadow[(int) id] == null) {
                        failDevice("response references no pending request (id " + id + ")", complete);
                        return;
                    }
                    Pending p = shadow[(int) id];
                    if (op != p.responseOp) {
                        failDevice("response has wrong operation (" + op + " for " + p.responseOp + ")", complete);
                        return;
                    }
                    shadow[(int) id] = null;
                    freeIds.add((int) id);
                    finish(p, status);
                    complete.add(p);
                }
            } while (pollers == 0 ? ring.finalCheckForResponses() : ring.unconsumedResponses() > 0);
        } catch (RingOverflowException e) {
            failDevice("backend provided bogus ring responses: " + e.getMessage(), complete);
        }
    }

    private void finish(Pending p, int status) {
        if (status == BlkifRsp.OKAY) {
            if (p.readInto != null) {
                MemorySegment into = MemorySegment.ofBuffer(p.readInto);
                long length = into.byteSize();
                long at = 0;
                for (long gfn : p.dataGfns) {
                    long bytes = Math.min(XenPage.SIZE, length - at);
                    MemorySegment.copy(kernel.memory().page(gfn), 0, into, at, bytes);
                    at += bytes;
                }
            }
        } else if (status == BlkifRsp.EOPNOTSUPP
                && (p.responseOp == BlkifOp.FLUSH_DISKCACHE || p.responseOp == BlkifOp.WRITE_BARRIER)) {
            // blkif.h: these "may still be returned at any time with BLKIF_RSP_EOPNOTSUPP";
            // Linux turns the feature off and treats the flush as done.
            LOG.warning(name + ": backend refused op " + p.responseOp + "; flushes turned off");
            flush = false;
            barrier = false;
        } else if (status == BlkifRsp.EOPNOTSUPP) {
            p.error = new UnsupportedBlockOperationException(BlockCapability.DISCARD);
        } else {
            p.error = new IOException(name + ": backend answered op " + p.responseOp + " with status " + status);
        }
        releasePages(p);
    }

    private void releasePages(Pending p) {
        if (p.dataRefs != null && p.buffer == null) {
            for (int i = 0; i < p.dataRefs.length; i++) {
                release(p.dataRefs[i], p.dataGfns[i], p.pooled);
            }
            p.dataRefs = null;
        }
        if (p.indirectRefs != null) {
            for (int i = 0; i < p.indirectRefs.length; i++) {
                release(p.indirectRefs[i], p.indirectGfns[i], p.pooled);
            }
            p.indirectRefs = null;
        }
    }

    private void release(int ref, long gfn, boolean pooled) {
        if (ref == 0) {
            return; // never granted (allocation failed midway)
        }
        if (pooled && persistent && pool.size() < PERSISTENT_POOL_MAX) {
            pool.add(new long[] {gfn, ref}); // stays granted (read-write) for the next request
            return;
        }
        endAccess(ref, gfn);
    }

    private void endAccess(int ref, long gfn) {
        // The page goes back only once the backend no longer maps it (XSA-396).
        grants.endForeignAccess(ref, () -> kernel.pages().freePage(gfn));
    }

    private void failDevice(String why, List<Pending> complete) {
        failure = why;
        LOG.warning(name + ": " + why + "; device failed");
        for (int i = 0; i < shadow.length; i++) {
            if (shadow[i] != null) {
                Pending p = shadow[i];
                p.error = new IOException(name + " failed: " + why);
                // The device will not send them again: their grants end (a page the backend
                // still maps comes back once it unmaps it) rather than going to the pool.
                p.pooled = false;
                releasePages(p);
                complete.add(p);
                shadow[i] = null;
            }
        }
        while (!waiting.isEmpty()) {
            Pending p = waiting.poll();
            p.error = new IOException(name + " failed: " + why);
            complete.add(p);
        }
    }

    private void drainPool() {
        while (!pool.isEmpty()) {
            long[] page = pool.poll();
            endAccess((int) page[1], page[0]);
        }
    }

    private void releaseRing() {
        if (irq >= 0) {
            kernel.intr().unbind(irq);
            irq = -1;
        }
        for (int i = 0; i < ringRefs.length; i++) {
            if (ringRefs[i] >= 0) {
                long gfn = ringGfns[i];
                grants.endForeignAccess(ringRefs[i], () -> kernel.pages().freePage(gfn));
            }
        }
        ringRefs = new int[0];
        ringGfns = new long[0];
        ring = null;
        pollHeader = null;
    }

    private void completeAll(List<Pending> complete) {
        if (complete.isEmpty()) {
            return;
        }
        for (Pending p : complete) {
            if (p.buffer != null) {
                BlockBuffer b = p.buffer;
                p.buffer = null;
                if (!buffers.release(b) && p.error == null) {
                    p.error = new IOException(name + ": the registered buffer was closed while the request was in flight");
                }
            }
            if (p.error != null) {
                p.future.completeExceptionally(p.error);
            } else {
                if (p.advance != null) {
                    p.advance.position(p.advance.limit());
                }
                p.future.complete(null);
            }
        }
        // The line sleeper waits for this completion, or for one its ready check sees through
        // it (a buffer given back by a callback).
        sleeper.wake();
    }

    private int maxBytesPerRequest() {
        int segments = Math.max(BlkifLimits.MAX_SEGMENTS_PER_REQUEST, maxIndirectSegments);
        return segments * XenPage.SIZE;
    }

    private BackendFeatures requireFeatures() {
        BackendFeatures f = features;
        if (f == null) {
            throw new IllegalStateException(name + " has not connected yet");
        }
        return f;
    }

    private static void checkAligned(long offsetBytes, long lengthBytes) {
        if (offsetBytes % SECTOR != 0 || lengthBytes % SECTOR != 0) {
            throw new IllegalArgumentException("blkif moves whole 512-byte sectors: " + offsetBytes + "+" + lengthBytes);
        }
    }

    private void await(CompletableFuture<Void> future) throws IOException {
        await(future, ThreadLoan.NONE);
    }

    private void await(CompletableFuture<Void> future, ThreadLoan loan) throws IOException {
        waiter.await(future, this, loan);
        try {
            future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause);
        }
    }

    /** One request: its encoded slot (kept for replay), its pages and grants, its future. */
    private final class Pending {
        final MemorySegment slot = MemorySegment.ofArray(new long[(slotBytes + 7) / 8]).asSlice(0, slotBytes);
        final CompletableFuture<Void> future = new CompletableFuture<>();
        int responseOp;
        long sequence;
        /** A flush: encoded when it gets a slot, as the backend of that moment offers it. */
        boolean flushKind;
        /** Bytes of a prepared transfer. */
        int length;
        /** A transfer's data until {@link #prepare} gives it pages; null once prepared (or none). */
        ByteBuffer data;
        long offsetBytes;
        ByteBuffer readInto;
        /** The caller's buffer of a one-request read: its position moves to its limit on success. */
        ByteBuffer advance;
        long[] dataGfns;
        int[] dataRefs;
        long[] indirectGfns;
        int[] indirectRefs;
        IOException error;
        /** Its pages were granted read-write for reuse (persistent grants). */
        boolean pooled;
        /** The registered buffer its data lies in (one use held until it completes), or null. */
        BlockBuffer buffer;
        /** A registered transfer's data (its view of the buffer), kept for a replay. */
        ByteBuffer view;

        Pending(int op) {
            this.responseOp = op;
        }
    }
}
