package io.jxen.memory.ring;

import io.jxen.abi.XenPage;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The shared part of an io/ring.h ring ({@code struct NAME##_sring}) over one or more
 * contiguous 4 KiB pages; entries are opaque bytes of a fixed size.
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
 * <p>Each slot is a union of request and response: a response overwrites the request whose
 * slot it takes, which the back end has already consumed (copied out).
 *
 * <p>This class holds the geometry; {@link FrontRing} and {@link BackRing} are the two sides,
 * different types so that a back end cannot push requests.
 */
public final class SharedRing {

    private final MemorySegment segment;
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
        this.entrySize = entrySize;
        this.pages = (int) (size / XenPage.SIZE);
        this.entries = SharedRingDescriptor.entries(pages, entrySize);
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

    /** The ring pages. */
    public MemorySegment segment() {
        return segment;
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

    /** The slot holding index {@code index}, as a view of {@link #entrySize()} bytes. */
    public MemorySegment slot(int index) {
        return segment.asSlice(slotOffset(index), entrySize);
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
        MemorySegment.copy(segment, slotOffset(index), destination, 0, entrySize);
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
        MemorySegment.copy(source, 0, segment, offset, length);
        if (length < entrySize) {
            segment.asSlice(offset + length, entrySize - length).fill((byte) 0);
        }
    }

    @Override
    public String toString() {
        return "SharedRing[" + pages + " page(s), " + entries + " entries of " + entrySize + " bytes]";
    }
}
