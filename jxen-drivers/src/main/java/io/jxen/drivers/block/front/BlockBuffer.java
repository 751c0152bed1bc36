package io.jxen.drivers.block.front;

import io.jxen.abi.XenPage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A registered I/O buffer of a block device: guest pages, zeroed once and granted read-write
 * once to the backend's domain, that a guest program reads into and writes from directly.
 * A read or write whose {@link ByteBuffer} lies in a live buffer of the same device (a slice of
 * {@link #buffer()}, sector-aligned within it) names the buffer's own grant references in its
 * blkif segments: no copy in blkfront, and with {@code feature-persistent} the backend maps each
 * page once and finds it in its persistent-grant cache on every later request (the same
 * reference each time). This is io_uring's registered ("fixed") buffers in Xen terms; Linux
 * blkfront instead copies through its own persistent pages, or grants the caller's pages per
 * request without them.
 *
 * <p>Other buffers keep the copy path. Without persistent grants the backend maps the pages per
 * request: still correct. The pages stay shared read-write with that one domain for the
 * buffer's life (as persistent grants are), and were zeroed before the first grant, so no stale
 * guest memory reaches the backend (XSA-403).
 *
 * <p>{@link #close()}: later requests naming the buffer fail (the views stop working: they
 * belong to an arena closed here); requests already in flight complete with an error saying
 * the buffer was closed, and the grants end only after the last of them is answered (a
 * reference is never reused while a request naming it is on the ring). A page the backend
 * still maps goes back to the guest only once it unmaps it (the grant client's deferred
 * free, XSA-396). Closing the device closes its buffers.
 */
public final class BlockBuffer implements AutoCloseable {

    private final RegisteredBuffers owner;
    private final int backendDomid;
    private final long firstGfn;
    private final int[] refs;
    private final Arena arena;
    private final MemorySegment segment;
    private final long address;
    /** Requests in flight naming this buffer; guarded by the owner's lock. */
    private int uses;
    /** Guarded by the owner's lock; volatile for {@link #isOpen()}. */
    private volatile boolean open = true;

    BlockBuffer(RegisteredBuffers owner, int backendDomid, long firstGfn, int[] refs, Arena arena,
                MemorySegment segment) {
        this.owner = owner;
        this.backendDomid = backendDomid;
        this.firstGfn = firstGfn;
        this.refs = refs;
        this.arena = arena;
        this.segment = segment;
        this.address = segment.address();
    }

    /** A view of the whole buffer: position 0, limit and capacity {@link #sizeBytes()}; direct. */
    public ByteBuffer buffer() {
        return segment.asByteBuffer();
    }

    /** The buffer as a segment (closed with the buffer). */
    public MemorySegment segment() {
        return segment;
    }

    /** Its size in bytes: whole pages. */
    public int sizeBytes() {
        return refs.length * XenPage.SIZE;
    }

    /** The domain its pages are granted to. */
    public int backendDomid() {
        return backendDomid;
    }

    /** The grant reference of page {@code i} (the same for every request). */
    public int grantRef(int i) {
        return refs[i];
    }

    /** Whether it is still usable. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Stops the buffer (see the class comment); idempotent.
     *
     * @throws IllegalStateException if a native call (a socket or file transfer) is using a view
     *                               right now: the buffer stays open
     */
    @Override
    public void close() {
        owner.close(this);
    }

    long firstGfn() {
        return firstGfn;
    }

    int pages() {
        return refs.length;
    }

    int[] refs() {
        return refs;
    }

    long address() {
        return address;
    }

    Arena arena() {
        return arena;
    }

    boolean openFlag() {
        return open;
    }

    void markClosed() {
        open = false;
    }

    int uses() {
        return uses;
    }

    void addUse() {
        uses++;
    }

    void dropUse() {
        uses--;
    }
}
