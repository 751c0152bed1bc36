package io.jxen.drivers.block.back;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenAbi;
import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRequestSegmentDescriptor;
import io.jxen.abi.blkif.BlkifResponseFlyweight;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A test frontend of FreeBSD's blkfront generation (2010-2012), for the request-size extension
 * only: at the backend's InitWait it reads {@code max-ring-pages}, {@code max-requests},
 * {@code max-request-segments}, {@code max-request-size}, caps them by its own, and writes
 * {@code ring-pages}, {@code max-requests}, {@code max-request-segments},
 * {@code max-request-size}, {@code ring-ref} (page 0) and {@code ring-ref1..N-1},
 * {@code event-channel}, {@code protocol}, as that blkfront did (with the defaults when the
 * backend published nothing, so against a backend without the extension it stays at 11
 * segments). Requests past 11 segments continue in segment blocks in the next ring slots; a
 * response moves {@code rsp_cons} by its request's slot count. It also puts raw, hand-made
 * slots on the ring for hostile cases. Single-threaded: its interrupt runs in the upcall that
 * the test host steps.
 */
public final class SegmentBlockFrontend implements XenbusDriver {

    /** A request on the ring: its status future, pages to release and where read data goes. */
    private static final class Pending {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final int slots;
        final int operation;
        long[] gfns = new long[0];
        int[] refs = new int[0];
        int[][] sects = new int[0][];
        byte[] readInto;

        Pending(int slots, int operation) {
            this.slots = slots;
            this.operation = operation;
        }
    }

    private final GuestKernel guest;
    private final GrantTableClient grants;
    private final int ownMaxSegments;
    private final int ownRingPages;
    private final Map<Long, Pending> pending = new HashMap<>();
    private final MemorySegment response = MemorySegment.ofArray(new long[14]);
    private final MemorySegment skipped = MemorySegment.ofArray(new long[14]);
    private final CompletableFuture<Long> connected = new CompletableFuture<>();
    private int backendDomid;
    private FrontRing ring;
    private MemorySegment firstPage;
    private int irq = -1;
    private List<Integer> ringRefs = List.of();
    private long nextId = 1;
    private int maxSegments = BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK;
    private String failure;
    private long responses;
    private boolean persistent;

    /**
     * @param ownMaxSegments the frontend's limit ({@code XBF_MAX_SEGMENTS_PER_REQUEST}), 1..255
     * @param ownRingPages   ring pages it would use, a power of two (capped by {@code max-ring-pages})
     */
    public SegmentBlockFrontend(GuestKernel guest, GrantTableClient grants, int ownMaxSegments, int ownRingPages) {
        this.guest = guest;
        this.grants = grants;
        this.ownMaxSegments = ownMaxSegments;
        this.ownRingPages = ownRingPages;
    }

    // ---- setting up ----

    /** Sets up a ring of {@code pages} pages and a port for {@code backend}; the connection to hand to blkback. */
    public BlkbackConnection setUp(int backend, int pages, int negotiatedMaxSegments) {
        this.backendDomid = backend;
        this.maxSegments = negotiatedMaxSegments;
        List<MemorySegment> ringPages = new ArrayList<>();
        List<Integer> refs = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            long gfn = guest.pages().allocPage();
            MemorySegment page = guest.memory().page(gfn);
            page.fill((byte) 0);
            int[] ref = new int[1];
            if (grants.grantForeignAccess(backend, gfn, false, ref) != 0) {
                throw new IllegalStateException("no grant for ring page " + i);
            }
            ringPages.add(page);
            refs.add(ref[0]);
        }
        firstPage = ringPages.getFirst();
        ringRefs = List.copyOf(refs);
        ring = FrontRing.init(SharedRing.ofPages(ringPages, BlkifSringDescriptor.X86_64.ENTRY_SIZE));
        irq = guest.intr().allocAndBindLocalPort("xbd-segblk", backend, IrqHandler.filter(this::poll));
        return new BlkbackConnection(guest.domid(), ringRefs, guest.intr().port(irq), XenAbi.X86_64, persistent);
    }

    /**
     * Grants every data page read-write and tells the backend {@code feature-persistent} (a
     * combination FreeBSD's frontend of that time never had: it tests the backend's persistent
     * mappings with segment blocks). Call before {@link #setUp}.
     *
     * @return this
     */
    public SegmentBlockFrontend withPersistentGrants() {
        this.persistent = true;
        return this;
    }

    /** The segments per request in force. */
    public int maxSegments() {
        return maxSegments;
    }

    /** Entries of the ring. */
    public int ringEntries() {
        return ring.entries();
    }

    /** Ring slots free for new requests ({@code RING_FREE_REQUESTS}). */
    public int freeSlots() {
        return ring.freeRequests();
    }

    /** Requests waiting for their response. */
    public int inFlight() {
        return pending.size();
    }

    /** Responses taken off the ring. */
    public long responses() {
        return responses;
    }

    /** Why the frontend gave up on the ring, or null. */
    public String failure() {
        return failure;
    }

    /** The first ring page (for tests that write {@code req_prod} by hand). */
    public MemorySegment firstRingPage() {
        return firstPage;
    }

    /** Notifies the backend. */
    public void kick() {
        guest.intr().notify(irq);
    }

    /** Completes with the disk's {@code sectors} once the backend is Connected (XenBus). */
    public CompletableFuture<Long> whenConnected() {
        return connected;
    }

    // ---- I/O ----

    /**
     * Sends a read or write of {@code sects.length} segments (each {first, last} sector of its
     * own fresh page) starting at {@code sector}; {@code data} holds the bytes in segment order
     * (written from, or read into once the status is OKAY).
     *
     * @return the response's status
     */
    public CompletableFuture<Integer> submit(int operation, long sector, int[][] sects, byte[] data) {
        int count = sects.length;
        int slots = BlkifSegmentBlocks.slotsOf(operation, count);
        if (ring.freeRequests() < slots) {
            throw new IllegalStateException("no room for " + slots + " slots");
        }
        grants.processDeferred(); // pages the backend has unmapped since (persistent mappings) come back
        Pending p = new Pending(slots, operation);
        p.gfns = new long[count];
        p.refs = new int[count];
        p.sects = sects;
        int at = 0;
        for (int i = 0; i < count; i++) {
            long gfn = guest.pages().allocPage();
            MemorySegment page = guest.memory().page(gfn);
            page.fill((byte) 0);
            int bytes = (sects[i][1] - sects[i][0] + 1) * 512;
            if (operation != BlkifOp.READ) {
                MemorySegment.copy(MemorySegment.ofArray(data), at, page, sects[i][0] * 512L, bytes);
            }
            at += bytes;
            int[] ref = new int[1];
            if (grants.grantForeignAccess(backendDomid, gfn, operation != BlkifOp.READ && !persistent, ref) != 0) {
                throw new IllegalStateException("no grant");
            }
            p.gfns[i] = gfn;
            p.refs[i] = ref[0];
        }
        if (operation == BlkifOp.READ) {
            p.readInto = data;
        }
        int[] grefs = p.refs.clone();
        long id = nextId++;
        pending.put(id, p);
        put(slots(operation, id, sector, count, grefs, sects));
        return p.done;
    }

    /**
     * The ring slots of a request: the header with up to 11 segments, then segment blocks of
     * 14; {@code nrSegments} goes into the header as given (a hostile count may differ from
     * {@code grefs.length}, which says how many entries are laid out).
     */
    public static List<MemorySegment> slots(int operation, long id, long sector, int nrSegments, int[] grefs,
                                            int[][] sects) {
        int entry = BlkifSringDescriptor.X86_64.ENTRY_SIZE;
        int laid = grefs.length;
        List<MemorySegment> slots = new ArrayList<>();
        MemorySegment head = MemorySegment.ofArray(new long[entry / 8]);
        BlkifRequestFlyweight req = new BlkifRequestFlyweight(XenAbi.X86_64).wrap(head, 0);
        req.setOperation(operation);
        req.setNrSegments(nrSegments);
        req.setHandle(0);
        req.setId(id);
        req.setSectorNumber(sector);
        for (int i = 0; i < Math.min(laid, BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK); i++) {
            req.setSegment(i, grefs[i], sects[i][0], sects[i][1]);
        }
        slots.add(head);
        for (int i = BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK; i < laid; i++) {
            int inBlock = (i - BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK) % BlkifSegmentBlocks.SEGMENTS_PER_SEGMENT_BLOCK;
            if (inBlock == 0) {
                slots.add(MemorySegment.ofArray(new long[entry / 8]));
            }
            MemorySegment block = slots.getLast();
            long at = (long) inBlock * BlkifSegmentBlocks.SEGMENT_BYTES;
            OrderedAccess.setIntPlain(block, at + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET, grefs[i]);
            OrderedAccess.setBytePlain(block, at + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET,
                    (byte) sects[i][0]);
            OrderedAccess.setBytePlain(block, at + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET,
                    (byte) sects[i][1]);
        }
        return slots;
    }

    /**
     * Puts hand-made slots on the ring as one request awaiting a response with {@code id} that
     * takes {@code responseSlots} slots (what the wire format says for its header), and pushes.
     */
    public CompletableFuture<Integer> putRaw(long id, int operation, int responseSlots, List<MemorySegment> slots) {
        Pending p = new Pending(responseSlots, operation);
        pending.put(id, p);
        put(slots);
        return p.done;
    }

    private void put(List<MemorySegment> slots) {
        for (MemorySegment slot : slots) {
            ring.putRequest(slot);
        }
        if (ring.pushRequestsAndCheckNotify()) {
            guest.intr().notify(irq);
        }
    }

    /** Takes every response off the ring (the interrupt handler); returns how many. */
    public int poll() {
        if (ring == null || failure != null) {
            return 0;
        }
        int n = 0;
        do {
            int ready = ring.unconsumedResponses();
            while (ready > 0) {
                ring.copyResponse(response);
                ready--;
                BlkifResponseFlyweight rsp = new BlkifResponseFlyweight(XenAbi.X86_64).wrap(response, 0);
                long id = rsp.getId();
                Pending p = pending.remove(id);
                if (p == null) {
                    failure = "response for unknown id " + id;
                    return n;
                }
                if (rsp.getOperation() != p.operation) {
                    failure = "response op " + rsp.getOperation() + " for " + p.operation;
                    return n;
                }
                if (p.slots - 1 > ready) {
                    failure = "response of id " + id + " published without its " + (p.slots - 1) + " further slots";
                    return n;
                }
                for (int i = 1; i < p.slots; i++) {
                    ring.copyResponse(skipped); // only the first slot carries the response
                    ready--;
                }
                int status = rsp.getStatus();
                if (status == BlkifRsp.OKAY && p.readInto != null) {
                    int at = 0;
                    for (int i = 0; i < p.gfns.length; i++) {
                        int bytes = (p.sects[i][1] - p.sects[i][0] + 1) * 512;
                        MemorySegment.copy(guest.memory().page(p.gfns[i]), p.sects[i][0] * 512L,
                                MemorySegment.ofArray(p.readInto), at, bytes);
                        at += bytes;
                    }
                }
                for (int i = 0; i < p.refs.length; i++) {
                    long gfn = p.gfns[i];
                    grants.endForeignAccess(p.refs[i], () -> guest.pages().freePage(gfn));
                }
                responses++;
                n++;
                p.done.complete(status);
            }
        } while (ring.finalCheckForResponses());
        return n;
    }

    // ---- XenBus ----

    @Override
    public String type() {
        return "vbd";
    }

    @Override
    public void probe(XenbusDevice device) {
    }

    @Override
    public void initialise(XenbusDevice device) throws Exception {
        long ringPages = Math.min(ownRingPages, Math.max(1, device.readOtherEndLong("max-ring-pages", 1)));
        long requests = Math.min(BlkifRequestSizeExtension.ringRequests((int) ringPages),
                device.readOtherEndLong("max-requests", BlkifRequestSizeExtension.ringRequests(1)));
        long segments = Math.min(ownMaxSegments,
                device.readOtherEndLong("max-request-segments", BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK));
        long size = Math.min(segments * XenPage.SIZE,
                device.readOtherEndLong("max-request-size", BlkifSegmentBlocks.SEGMENTS_PER_HEADER_BLOCK * XenPage.SIZE));
        BlkbackConnection c = setUp(device.otherEndId(), (int) ringPages, (int) segments);
        device.transaction(tx -> {
            String n = device.nodename() + "/";
            tx.write(n + "ring-pages", Long.toString(ringPages));
            tx.write(n + "max-requests", Long.toString(requests));
            tx.write(n + "max-request-segments", Long.toString(segments));
            tx.write(n + "max-request-size", Long.toString(size));
            tx.write(n + "ring-ref", Integer.toString(c.ringRefs().getFirst()));
            for (int i = 1; i < c.ringRefs().size(); i++) {
                tx.write(n + "ring-ref" + i, Integer.toString(c.ringRefs().get(i)));
            }
            tx.write(n + "event-channel", Integer.toString(c.eventChannel()));
            tx.write(n + "protocol", "x86_64-abi");
            return null;
        });
    }

    @Override
    public void connect(XenbusDevice device) throws Exception {
        connected.complete(device.readOtherEndLong("sectors", -1));
    }
}
