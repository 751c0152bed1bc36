package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifLimits;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.UnsupportedBlockOperationException;
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

    private static final Logger LOG = Logger.getLogger(Blkback.class.getName());
    private static final int MAX_BATCH = 64;

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
    private PersistentGrantCache persistent;
    private long bounceGfn = -1;
    private GrantCopier copier;
    private final BlkbackMetrics metrics = new BlkbackMetrics();
    private final AtomicBoolean kicked = new AtomicBoolean();

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
        requestCopy = MemorySegment.ofArray(new long[(entry + 7) / 8]);
        responseBuffer = MemorySegment.ofArray(new long[(encoder.responseBytes() + 7) / 8])
                .asSlice(0, encoder.responseBytes());
        indirectCopy = MemorySegment.ofArray(new long[XenPage.SIZE / 8 * BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST]);
        try {
            irq = kernel.intr().bindInterdomain(name, frontend.frontendDomid(), frontend.eventChannel(),
                    IrqHandler.filter(() -> kicked.set(true)));
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
     * without end), then re-arms {@code req_event}.
     */
    @Override
    public synchronized int doWork() {
        if (state != State.CONNECTED) {
            return 0;
        }
        kicked.set(false);
        int done = 0;
        try {
            boolean more;
            do {
                int ready = ring.unconsumedRequests();
                while (ready > 0 && done < MAX_BATCH) {
                    if (ring.requestConsumerOverflow(ring.requestConsumer())) {
                        metrics.ringFull.incrementAndGet();
                        break;
                    }
                    serveOne();
                    ready--;
                    done++;
                }
                if (done >= MAX_BATCH) {
                    return done; // the rest next turn; req_event is not re-armed, so we poll again
                }
                more = ring.finalCheckForRequests();
            } while (more);
        } catch (RingOverflowException e) {
            fail("frontend provided bogus ring requests: " + e.getMessage());
        }
        return done;
    }

    private void serveOne() {
        long start = clock.nanoTime();
        ring.copyRequest(requestCopy);
        BlkifDecoded decoded = decoder.decode(requestCopy, 0);
        boolean grantFailed = false;
        if (decoded instanceof BlkifRequest.IndirectHeader header) {
            BlkifDecoded inner = readIndirect(header);
            if (inner == null) {
                grantFailed = true;
            } else {
                decoded = inner;
            }
        }
        int status;
        if (grantFailed) {
            status = BlkifRsp.ERROR;
        } else if (decoded instanceof BlkifRejection rejection) {
            metrics.rejections.incrementAndGet();
            LOG.log(Level.FINE, () -> name + ": refused request " + rejection.rule() + ": " + rejection.detail());
            status = rejection.status();
        } else {
            status = execute((BlkifRequest) decoded);
        }
        encoder.encode(responseBuffer, 0, decoded, status);
        ring.putResponse(responseBuffer);
        metrics.requests.incrementAndGet();
        if (status != BlkifRsp.OKAY) {
            metrics.errors.incrementAndGet();
        }
        metrics.latency(clock.nanoTime() - start);
        if (ring.pushResponsesAndCheckNotify()) {
            metrics.notifications.incrementAndGet();
            kernel.intr().notify(irq);
        }
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
        ByteBuffer buffer = ByteBuffer.allocate((int) t.lengthBytes());
        if (op == BlkifOp.READ) {
            disk.read(t.offsetBytes(), buffer);
            int at = 0;
            for (BlkifSegment s : t.segments()) {
                if (copier != null) {
                    if (!copier.push(MemorySegment.ofArray(buffer.array()), at, s.gref(), s.pageOffsetBytes(),
                            s.lengthBytes())) {
                        metrics.grantFailures.incrementAndGet();
                        return BlkifRsp.ERROR;
                    }
                    at += s.lengthBytes();
                    continue;
                }
                MemorySegment page = mapData(s.gref(), false);
                if (page == null) {
                    return BlkifRsp.ERROR;
                }
                try {
                    MemorySegment.copy(MemorySegment.ofArray(buffer.array()), at, page, s.pageOffsetBytes(),
                            s.lengthBytes());
                } finally {
                    unmapData();
                }
                at += s.lengthBytes();
            }
            metrics.bytesRead.addAndGet(t.lengthBytes());
            return BlkifRsp.OKAY;
        }
        int at = 0;
        for (BlkifSegment s : t.segments()) {
            if (copier != null) {
                if (!copier.pull(s.gref(), s.pageOffsetBytes(), s.lengthBytes(), MemorySegment.ofArray(buffer.array()),
                        at)) {
                    metrics.grantFailures.incrementAndGet();
                    return BlkifRsp.ERROR;
                }
                at += s.lengthBytes();
                continue;
            }
            MemorySegment page = mapData(s.gref(), true);
            if (page == null) {
                return BlkifRsp.ERROR;
            }
            try {
                MemorySegment.copy(page, s.pageOffsetBytes(), MemorySegment.ofArray(buffer.array()), at,
                        s.lengthBytes());
            } finally {
                unmapData();
            }
            at += s.lengthBytes();
        }
        disk.write(t.offsetBytes(), buffer, false);
        if (op == BlkifOp.FLUSH_DISKCACHE || op == BlkifOp.WRITE_BARRIER) {
            disk.flush();
        }
        metrics.bytesWritten.addAndGet(t.lengthBytes());
        return BlkifRsp.OKAY;
    }

    private int dataHandle = -1;

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
            try {
                return kernel.memory().page(persistent.map(gref));
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
        if (persistent != null) {
            persistent.clear();
            persistent = null;
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
