package io.jxen.abi.ring;

import io.jxen.abi.XenConstant;
import io.jxen.abi.XenPage;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * The header every shared ring page starts with, as io/ring.h's {@code DEFINE_RING_TYPES}
 * declares it ({@code struct NAME##_sring}); checked here through {@code struct blkif_sring}.
 *
 * <pre>
 *  0       4       8       12      16                    64
 *  +-------+-------+-------+-------+----------------------+------------------
 *  |req_prod|req_event|rsp_prod|rsp_event| pvt (4) + __pad (44) | ring[] entries...
 *  +-------+-------+-------+-------+----------------------+------------------
 * </pre>
 *
 * <p>Indices are free-running 32-bit counters; an entry lives at
 * {@code RING_OFFSET + (index & (entries - 1)) * entrySize}.
 */
public final class SharedRingDescriptor {

    /** Producer index of requests, written by the frontend. */
    @XenOffsetof(type = "struct blkif_sring", member = "req_prod")
    public static final int REQ_PROD_OFFSET = 0;

    /** Index at which the backend wants a notification of new requests. */
    @XenOffsetof(type = "struct blkif_sring", member = "req_event")
    public static final int REQ_EVENT_OFFSET = 4;

    /** Producer index of responses, written by the backend. */
    @XenOffsetof(type = "struct blkif_sring", member = "rsp_prod")
    public static final int RSP_PROD_OFFSET = 8;

    /** Index at which the frontend wants a notification of new responses. */
    @XenOffsetof(type = "struct blkif_sring", member = "rsp_event")
    public static final int RSP_EVENT_OFFSET = 12;

    /** Protocol-private bytes (netif smartpoll, tapif); unused by jxen. */
    @XenOffsetof(type = "struct blkif_sring", member = "pvt")
    public static final int PVT_OFFSET = 16;

    /** Where the entry array starts: the header is padded to 64 bytes. */
    @XenOffsetof(type = "struct blkif_sring", member = "ring")
    public static final int RING_OFFSET = 64;

    /** Entries of a one-page blkif ring: checks {@link #entries} against io/ring.h's macro. */
    @XenConstant("__CONST_RING_SIZE(blkif, 4096)")
    public static final int BLKIF_ONE_PAGE_ENTRIES = 32;

    private SharedRingDescriptor() {
    }

    /**
     * The number of entries a ring of {@code pages} pages holds: io/ring.h's
     * {@code __CONST_RING_SIZE}, the largest power of two that fits after the header.
     *
     * @param pages     ring pages (1 or more)
     * @param entrySize bytes per entry (the union of request and response)
     * @return a power of two, at least 1
     * @throws IllegalArgumentException if not even one entry fits
     */
    public static int entries(int pages, int entrySize) {
        if (pages < 1 || entrySize < 1) {
            throw new IllegalArgumentException("pages=" + pages + " entrySize=" + entrySize);
        }
        long fit = ((long) pages * XenPage.SIZE - RING_OFFSET) / entrySize;
        if (fit < 1) {
            throw new IllegalArgumentException("no entry of " + entrySize + " bytes fits in " + pages + " page(s)");
        }
        return Integer.highestOneBit((int) Math.min(fit, 1 << 30));
    }
}
