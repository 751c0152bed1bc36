package io.jxen.guest.xenstore;

import io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor;
import io.jxen.abi.OrderedAccess;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The guest's side of {@code struct xenstore_domain_interface} (io/xs_wire.h): requests go into
 * {@code req[]} at {@code req_prod}, responses come out of {@code rsp[]} at {@code rsp_cons};
 * indexes are free-running 32-bit counters masked with {@code MASK_XENSTORE_IDX}. The peer's
 * indexes are hostile: they are read once per step, and a distance {@code prod - cons} over the
 * ring size is a protocol failure of the connection (Linux's {@code check_indexes}), never an
 * out-of-bounds access. Barriers are Linux's {@code xb_write}/{@code xb_read}.
 *
 * <p>Not thread-safe: {@link XenstoreRingClient} serialises writers and has one reader.
 */
public final class XenstoreRing {

    /** Bytes in each direction: {@code XENSTORE_RING_SIZE}. */
    public static final int RING_SIZE = XenstoreDomainInterfaceDescriptor.RING_SIZE;

    private final MemorySegment page;

    /** @param page the ring page (the guest's store page) */
    public XenstoreRing(MemorySegment page) {
        this.page = page;
    }

    private static boolean sane(int cons, int prod) {
        return Integer.compareUnsigned(prod - cons, RING_SIZE) <= 0;
    }

    /**
     * Copies as much of {@code src} as fits into {@code req[]} and publishes it.
     *
     * @return bytes written (0 when the ring is full)
     * @throws IOException if the server's {@code req_cons} is impossible
     */
    public int write(ByteBuffer src) throws IOException {
        int cons = OrderedAccess.getIntAcquire(page, XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET);
        int prod = OrderedAccess.getIntPlain(page, XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET);
        if (!sane(cons, prod)) {
            throw new IOException("xenstore ring: hostile request indexes cons=" + Integer.toUnsignedString(cons)
                    + " prod=" + Integer.toUnsignedString(prod));
        }
        int written = 0;
        while (src.hasRemaining()) {
            int free = RING_SIZE - (prod - cons);
            int offset = XenstoreDomainInterfaceDescriptor.mask(prod);
            int chunk = Math.min(Math.min(free, RING_SIZE - offset), src.remaining());
            if (chunk <= 0) {
                break;
            }
            // xb_write: mb() before writing data, so the consumer index is read before we overwrite.
            OrderedAccess.fullFence();
            MemorySegment.copy(MemorySegment.ofBuffer(src.slice(src.position(), chunk)), 0, page,
                    XenstoreDomainInterfaceDescriptor.REQ_OFFSET + offset, chunk);
            src.position(src.position() + chunk);
            prod += chunk;
            written += chunk;
            // wmb(): data visible before the producer index (release store).
            OrderedAccess.setIntRelease(page, XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET, prod);
        }
        return written;
    }

    /**
     * Copies available response bytes into {@code dst} and frees their space.
     *
     * @return bytes read (0 when nothing is pending)
     * @throws IOException if the server's {@code rsp_prod} is impossible
     */
    public int read(ByteBuffer dst) throws IOException {
        int cons = OrderedAccess.getIntPlain(page, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
        // rmb() after reading the producer: acquire orders the data reads after it.
        int prod = OrderedAccess.getIntAcquire(page, XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET);
        if (!sane(cons, prod)) {
            throw new IOException("xenstore ring: hostile response indexes cons=" + Integer.toUnsignedString(cons)
                    + " prod=" + Integer.toUnsignedString(prod));
        }
        int read = 0;
        while (dst.hasRemaining() && prod != cons) {
            int offset = XenstoreDomainInterfaceDescriptor.mask(cons);
            int chunk = Math.min(Math.min(prod - cons, RING_SIZE - offset), dst.remaining());
            MemorySegment.copy(page, XenstoreDomainInterfaceDescriptor.RSP_OFFSET + offset,
                    MemorySegment.ofBuffer(dst.slice(dst.position(), chunk)), 0, chunk);
            dst.position(dst.position() + chunk);
            cons += chunk;
            read += chunk;
            // mb(): our reads of the data complete before the server may reuse the space.
            OrderedAccess.fullFence();
            OrderedAccess.setIntRelease(page, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET, cons);
        }
        return read;
    }
}
