package io.jxen.memory.ring;

import io.jxen.abi.XenPage;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The shared part of an io/ring.h ring ({@code struct NAME##_sring}) over one or more
 * 4 KiB pages; entries are opaque bytes of a fixed size. The pages are either one contiguous
 * segment or, as a backend sees a multi-page ring it mapped grant by grant
 * ({@code ring-ref0..N-1}), a list of separate page segments in ring byte order
 * ({@link #ofPages}).
 *
 * <pre>
 *  page 0                                                      page 1 ...
 *  +--------+---------+--------+---------+------+-------+--------+----- ~ -----+
 *  |req_prod|req_event|rsp_prod|rsp_event| pvt  | __pad | ring[0]| ring[1] ... |
 *  +--------+---------+--------+---------+------+-------+--------+----- ~ -----+
 *  0        4         8        12        16     20      64    64 + k * entrySize
 *
 *  entries = largest power of two with 64 + entries * entrySize <= pages * 4096
 *  index i lives in slot (i &amp; (entries - 1)); indices run freely and wrap at 2^32
 *
 *       front (guest)                              back (driver domain)
 *  writes req_prod, rsp_event                    writes rsp_prod, req_event
 *  reads  rsp_prod, req_event                    reads  req_prod, rsp_event
 * </pre>
 *
 * <p>Over separate pages an entry may straddle a page border (blkif: 112-byte x86_64 entries
 * at slots 72 and 109 of a 4-page ring, 108-byte x86_32 entries from 2 pages on; block.md
 * 1.5). Such an entry is still copied out once, in two pieces, into the caller's private
 * memory; entries within a page take the same single copy as a contiguous ring.
 *
 * <p>Each slot is a union of request and response: a response overwrites the request whose
 * slot it takes, which the back end has already consumed (copied out).
 *
 * <p>This class holds the geometry; {@link FrontRing} and {@link BackRing} are the two sides,
 * different types so that a back end cannot push requests.
 */
public final class SharedRing {

    private final MemorySegment segment;
    /** The separate pages of a paged ring, or null when {@link #segment} is contiguous. */
    private final MemorySegment[] pageList;
    private final int entrySize;
    private final int entries;
    private final int pages;

    /**
     * A view of a ring over {@code segment}.
     *
     * @param segment   the ring pages, contiguous, a whole number of 4 KiB pages, page-aligned
     * @param entrySize bytes per entry (the union of request and response)
     */
    public SharedRing(MemorySegment segment, int entrySize) {
        long size = segment.byteSize();
        if (size == 0 || size % XenPage.SIZE != 0 || size / XenPage.SIZE > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ring must be a whole number of 4 KiB pages, was " + size + " bytes");
        }
        if (segment.address() % Integer.BYTES != 0) {
            throw new IllegalArgumentException("ring indices must be 4-byte aligned");
        }
        this.segment = segment;
        this.pageList = null;
        this.entrySize = entrySize;
        this.pages = (int) (size / XenPage.SIZE);
        this.entries = SharedRingDescriptor.entries(pages, entrySize);
    }

    private SharedRing(MemorySegment[] pageList, int entrySize) {
        this.segment = pageList[0];
        this.pageList = pageList;
        this.entrySize = entrySize;
        this.pages = pageList.length;
        this.entries = SharedRingDescriptor.entries(pages, entrySize);
    }

    /**
     * A view of a ring over separate pages, page {@code i} holding ring bytes
     * {@code [i * 4096, (i + 1) * 4096)}: the frames of {@code ring-ref0..N-1} need not be
     * adjacent in anyone's memory. One page is the same as the contiguous constructor.
     *
     * @param pages     the ring pages in ring byte order, each exactly 4 KiB
     * @param entrySize bytes per entry
     */
    public static SharedRing ofPages(List<MemorySegment> pages, int entrySize) {
        if (pages.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least one page");
        }
        MemorySegment[] list = pages.toArray(MemorySegment[]::new);
        for (MemorySegment page : list) {
            if (page.byteSize() != XenPage.SIZE) {
                throw new IllegalArgumentException("ring pages are 4 KiB each, got " + page.byteSize() + " bytes");
            }
        }
        if (list.length == 1) {
            return new SharedRing(list[0], entrySize);
        }
        if (list[0].address() % Integer.BYTES != 0) {
            throw new IllegalArgumentException("ring indices must be 4-byte aligned");
        }
        return new SharedRing(list, entrySize);
    }

    /**
     * io/ring.h's {@code SHARED_RING_INIT}, done by the front end only: both producer
     * indices 0, both event indices 1, {@code pvt} and {@code __pad} zeroed. Entries are not
     * touched.
     */
    public void init() {
        initAt(0);
    }

    /**
     * {@code SHARED_RING_INIT} starting from index {@code start} instead of 0: producers at
     * {@code start}, events at {@code start + 1}. For re-attaching at a known index
     * ({@code FRONT_RING_ATTACH}/{@code BACK_RING_ATTACH}) and for tests of wrap-around.
     */
    public void initAt(int start) {
        segment.asSlice(SharedRingDescriptor.PVT_OFFSET,
                SharedRingDescriptor.RING_OFFSET - SharedRingDescriptor.PVT_OFFSET).fill((byte) 0);
        OrderedAccess.setIntPlain(segment, SharedRingDescriptor.REQ_PROD_OFFSET, start);
        OrderedAccess.setIntPlain(segment, SharedRingDescriptor.RSP_PROD_OFFSET, start);
        OrderedAccess.setIntPlain(segment, SharedRingDescriptor.REQ_EVENT_OFFSET, start + 1);
        // Release: whoever later sees the ring through a published grant sees it initialised.
        OrderedAccess.setIntRelease(segment, SharedRingDescriptor.RSP_EVENT_OFFSET, start + 1);
    }

    /**
     * The ring pages of a contiguous ring; for a ring over separate pages ({@link #ofPages}),
     * only the first page (the header and the first entries): use {@link #page(int)}.
     */
    public MemorySegment segment() {
        return segment;
    }

    /** The segment holding the four indices ({@code req_prod} .. {@code rsp_event}): page 0. */
    public MemorySegment header() {
        return segment;
    }

    /** Page {@code i} of the ring (4 KiB). */
    public MemorySegment page(int i) {
        if (pageList != null) {
            return pageList[i];
        }
        return segment.asSlice((long) i * XenPage.SIZE, XenPage.SIZE);
    }

    /** Whether the slot of {@code index} lies across a page border (only over separate pages). */
    public boolean straddles(int index) {
        if (pageList == null) {
            return false;
        }
        long offset = slotOffset(index);
        return (offset & (XenPage.SIZE - 1)) + entrySize > XenPage.SIZE;
    }

    /** Bytes per entry. */
    public int entrySize() {
        return entrySize;
    }

    /** Entries in the ring: a power of two ({@code __RING_SIZE}). */
    public int entries() {
        return entries;
    }

    /** Pages the ring spans. */
    public int pages() {
        return pages;
    }

    /** Byte offset in {@link #segment()} of the slot holding index {@code index}. */
    public long slotOffset(int index) {
        return SharedRingDescriptor.RING_OFFSET + (long) (index & (entries - 1)) * entrySize;
    }

    /**
     * The slot holding index {@code index}, as a view of {@link #entrySize()} bytes.
     *
     * @throws IllegalStateException if the slot straddles two separate pages ({@link #straddles});
     *         copy it in and out instead
     */
    public MemorySegment slot(int index) {
        if (pageList == null) {
            return segment.asSlice(slotOffset(index), entrySize);
        }
        long offset = slotOffset(index);
        int within = (int) (offset & (XenPage.SIZE - 1));
        if (within + entrySize > XenPage.SIZE) {
            throw new IllegalStateException("slot of index " + Integer.toUnsignedString(index)
                    + " straddles ring pages " + (offset >>> XenPage.SHIFT) + " and " + ((offset >>> XenPage.SHIFT) + 1));
        }
        return pageList[(int) (offset >>> XenPage.SHIFT)].asSlice(within, entrySize);
    }

    /** {@code req_prod} as it is now (acquire): for monitoring and tests. */
    public int requestProducer() {
        return OrderedAccess.getIntAcquire(segment, SharedRingDescriptor.REQ_PROD_OFFSET);
    }

    /** {@code req_event} as it is now (acquire): for monitoring and tests. */
    public int requestEvent() {
        return OrderedAccess.getIntAcquire(segment, SharedRingDescriptor.REQ_EVENT_OFFSET);
    }

    /** {@code rsp_prod} as it is now (acquire): for monitoring and tests. */
    public int responseProducer() {
        return OrderedAccess.getIntAcquire(segment, SharedRingDescriptor.RSP_PROD_OFFSET);
    }

    /** {@code rsp_event} as it is now (acquire): for monitoring and tests. */
    public int responseEvent() {
        return OrderedAccess.getIntAcquire(segment, SharedRingDescriptor.RSP_EVENT_OFFSET);
    }

    /**
     * The notification rule of {@code RING_PUSH_*_AND_CHECK_NOTIFY}: notify iff the peer's
     * event index lies in {@code (oldProducer, newProducer]}, modulo 2^32:
     * {@code (RING_IDX)(new - event) < (RING_IDX)(new - old)}.
     */
    static boolean mustNotify(int oldProducer, int newProducer, int event) {
        return Integer.compareUnsigned(newProducer - event, newProducer - oldProducer) < 0;
    }

    /** Copies one slot into {@code destination}: one read of each byte (copy-once, XSA-155). */
    void copyOut(int index, MemorySegment destination) {
        if (destination.byteSize() < entrySize) {
            throw new IllegalArgumentException("destination of " + destination.byteSize()
                    + " bytes is smaller than an entry of " + entrySize);
        }
        if (pageList == null) {
            MemorySegment.copy(segment, slotOffset(index), destination, 0, entrySize);
            return;
        }
        long offset = slotOffset(index);
        int page = (int) (offset >>> XenPage.SHIFT);
        int within = (int) (offset & (XenPage.SIZE - 1));
        int first = Math.min(entrySize, XenPage.SIZE - within);
        MemorySegment.copy(pageList[page], within, destination, 0, first);
        if (first < entrySize) {
            // The entry goes on at the start of the next page: each byte is still read once.
            MemorySegment.copy(pageList[page + 1], 0, destination, first, entrySize - first);
        }
    }

    /**
     * Writes {@code source} into the slot of {@code index} and zeroes the rest of the slot,
     * so no stale byte of ours reaches the peer (XSA-216: responses leaked padding).
     */
    void copyIn(int index, MemorySegment source) {
        long length = source.byteSize();
        if (length > entrySize) {
            throw new IllegalArgumentException("entry of " + length + " bytes exceeds the ring's entry size " + entrySize);
        }
        long offset = slotOffset(index);
        if (pageList == null) {
            MemorySegment.copy(source, 0, segment, offset, length);
            if (length < entrySize) {
                segment.asSlice(offset + length, entrySize - length).fill((byte) 0);
            }
            return;
        }
        int page = (int) (offset >>> XenPage.SHIFT);
        int within = (int) (offset & (XenPage.SIZE - 1));
        int first = Math.min(entrySize, XenPage.SIZE - within);
        // Slot bytes [0, first) on this page, [first, entrySize) on the next: data then zeroes.
        int dataHere = (int) Math.min(length, first);
        MemorySegment.copy(source, 0, pageList[page], within, dataHere);
        if (dataHere < first) {
            pageList[page].asSlice(within + dataHere, first - dataHere).fill((byte) 0);
        }
        if (first < entrySize) {
            MemorySegment next = pageList[page + 1];
            int dataThere = (int) Math.max(0, length - first);
            if (dataThere > 0) {
                MemorySegment.copy(source, first, next, 0, dataThere);
            }
            next.asSlice(dataThere, entrySize - first - dataThere).fill((byte) 0);
        }
    }

    @Override
    public String toString() {
        return "SharedRing[req_prod=" + Integer.toUnsignedString(requestProducer())
                + " req_event=" + Integer.toUnsignedString(requestEvent())
                + " rsp_prod=" + Integer.toUnsignedString(responseProducer())
                + " rsp_event=" + Integer.toUnsignedString(responseEvent()) + ", " + pages + (pageList == null ? "" : " separate") + " page(s), " + entries + " entries of " + entrySize + " bytes]";
    }
}
