package io.jxen.drivers.block.front;

import io.jxen.abi.XenAbi;

import java.util.List;

/**
 * What a frontend publishes for its ring (io/blkif.h "Frontend Transport Parameters"):
 * {@code ring-ref}, {@code event-channel}, {@code protocol}. The backend maps and binds these.
 *
 * @param ringRefs     grant references of the ring pages, in ring byte order
 * @param eventChannel the unbound port allocated for the backend's domain
 * @param abi          the request layout ({@code protocol}); jxen frontends are native x86_64
 */
public record FrontendRing(List<Integer> ringRefs, int eventChannel, XenAbi abi) {

    /** Copies the refs. */
    public FrontendRing {
        ringRefs = List.copyOf(ringRefs);
    }
}
