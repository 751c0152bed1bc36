package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;

import java.util.List;

/**
 * What a frontend published for one ring (io/blkif.h "Frontend Transport Parameters"), as the
 * backend reads it: the grant of the ring page, the unbound port to bind, and the request layout.
 * Until the XenBus negotiation is wired in, the caller hands this over explicitly.
 *
 * @param frontendDomid  the frontend's domain
 * @param ringRefs       {@code ring-ref}, or {@code ring-ref0..N-1} of a multi-page ring, in ring
 *                       byte order (a power of two of them)
 * @param eventChannel   {@code event-channel}: the frontend's unbound port for this backend
 * @param abi            the layout named by {@code protocol}
 * @param persistent     the frontend's {@code feature-persistent}
 */
public record BlkbackConnection(int frontendDomid, List<Integer> ringRefs, int eventChannel, XenAbi abi,
                                boolean persistent) {

    /** A frontend without {@code feature-persistent}. */
    public BlkbackConnection(int frontendDomid, List<Integer> ringRefs, int eventChannel, XenAbi abi) {
        this(frontendDomid, ringRefs, eventChannel, abi, false);
    }

    /** Copies the refs and checks the shape. */
    public BlkbackConnection {
        ringRefs = List.copyOf(ringRefs);
        if (ringRefs.isEmpty() || Integer.bitCount(ringRefs.size()) != 1) {
            throw new IllegalArgumentException("a ring has a power of two of pages, got " + ringRefs.size());
        }
    }
}
