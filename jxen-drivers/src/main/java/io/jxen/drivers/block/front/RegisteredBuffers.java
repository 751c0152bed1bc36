package io.jxen.drivers.block.front;

import io.jxen.abi.XenPage;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The {@link BlockBuffer}s of one disk (shared by its queues: a grant is per domain and page,
 * not per ring): allocation, lookup of the buffer a request's data lies in, and the end of
 * their grants once closed and no request in flight names them. Thread-safe: one lock for the
 * use counts and the open flags; the lookup scans a copy-on-write array without it.
 */
final class RegisteredBuffers {

    private static final Logger LOG = Logger.getLogger(RegisteredBuffers.class.getName());

    /** Where a request's data lies in a buffer: the buffer (one use taken) and the byte offset in it. */
    record Span(BlockBuffer buffer, int offset) {
    }

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final int backendDomid;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile BlockBuffer[] live = new BlockBuffer[0];

    RegisteredBuffers(GuestKernel kernel, GrantTableClient grants, int backendDomid, String name) {
        this.kernel = kernel;
        this.grants = grants;
        this.backendDomid = backendDomid;
        this.name = name;
    }

    /**
     * A buffer of {@code bytes} rounded up to whole pages: consecutive guest pages, machine
     * contiguous so that one segment (and one {@link ByteBuffer}) covers them, zeroed, then
     * granted read-write to the backend's domain.
     *
     * @throws IOException when the guest has no such run of pages or no grant references left
     */
    // reinterpret: the view is the same guest memory tied to an arena of its own, so that closing
    // the buffer makes every view of it fail instead of reaching pages given back (jxen runs with native access)
    @SuppressWarnings("restricted")
    BlockBuffer allocate(int bytes) throws IOException {
        if (bytes < 1) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes");
        }
        int pages = (int) ((bytes + (long) XenPage.SIZE - 1) / XenPage.SIZE);
        long first;
        try {
            first = kernel.pages().allocPages(pages);
        } catch (IllegalStateException e) {
            throw new IOException(name + ": no run of " + pages + " guest pages for a registered buffer", e);
        }
        MemorySegment memory = kernel.memory().contiguousPages(first, pages);
        if (memory == null) {
            freePages(first, pages);
            throw new IOException(name + ": guest pages 0x" + Long.toHexString(first) + "+" + pages
                    + " are not machine-contiguous; no registered buffer (plain buffers take the copy path)");
        }
        memory.fill((byte) 0); // never share stale guest memory (XSA-403)
        int[] refs = new int[pages];
        for (int i = 0; i < pages; i++) {
            int[] ref = new int[1];
            int rc = grants.grantForeignAccess(backendDomid, first + i, false, ref);
            if (rc != 0) { // 0 = success, else a positive errno
                for (int j = 0; j < i; j++) {
                    long gfn = first + j;
                    grants.endForeignAccess(refs[j], () -> kernel.pages().freePage(gfn));
                }
                freePages(first + i, pages - i);
                throw new IOException(name + ": no grant reference for a registered buffer (errno " + rc + ")");
            }
            refs[i] = ref[0];
        }
        Arena arena = Arena.ofShared();
        BlockBuffer buffer = new BlockBuffer(this, backendDomid, first, refs, arena, memory.reinterpret(arena, null));
        lock.lock();
        try {
            BlockBuffer[] now = Arrays.copyOf(live, live.length + 1);
            now[now.length - 1] = buffer;
            live = now;
        } finally {
            lock.unlock();
        }
        return buffer;
    }

    /**
     * The live buffer that holds all of {@code data}'s remaining bytes, starting on a sector,
     * with one use taken for the request; null when there is none (the copy path).
     *
     * @throws IOException when {@code data} is a view of a closed buffer
     */
    Span acquire(ByteBuffer data, int sector) throws IOException {
        if (!data.isDirect()) {
            return null;
        }
        MemorySegment segment = MemorySegment.ofBuffer(data);
        if (!segment.scope().isAlive()) {
            throw new IOException(name + ": the data lies in a registered buffer that was closed");
        }
        long address = segment.address();
        long length = segment.byteSize();
        for (BlockBuffer b : live) {
            long offset = address - b.address();
            if (offset >= 0 && offset + length <= b.sizeBytes()) {
                if (offset % sector != 0) {
                    return null; // blkif segments start on a sector of a page: copied instead
                }
                lock.lock();
                try {
                    if (!b.openFlag()) {
                        throw new IOException(name + ": the data lies in a registered buffer that was closed");
                    }
                    b.addUse();
                } finally {
                    lock.unlock();
                }
                return new Span(b, (int) offset);
            }
        }
        return null;
    }

    /** A request that named {@code b} is done; false if the buffer was closed meanwhile. */
    boolean release(BlockBuffer b) {
        lock.lock();
        try {
            b.dropUse();
            if (!b.openFlag() && b.uses() == 0) {
                retire(b);
            }
            return b.openFlag();
        } finally {
            lock.unlock();
        }
    }

    void close(BlockBuffer b) {
        lock.lock();
        try {
            if (!b.openFlag()) {
                return;
            }
            b.arena().close(); // throws if a native call uses a view now: then nothing changed
            b.markClosed();
            BlockBuffer[] now = Arrays.stream(live).filter(x -> x != b).toArray(BlockBuffer[]::new);
            live = now;
            if (b.uses() == 0) {
                retire(b);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes every buffer (the device is closing). */
    void closeAll() {
        for (BlockBuffer b : live) {
            try {
                close(b);
            } catch (IllegalStateException e) {
                LOG.warning(name + ": a registered buffer in use by a native call stays open: " + e.getMessage());
            }
        }
    }

    /** Live buffers. */
    int count() {
        return live.length;
    }

    /** Ends the grants; each page goes back once the backend no longer maps it (XSA-396). */
    private void retire(BlockBuffer b) {
        int[] refs = b.refs();
        for (int i = 0; i < refs.length; i++) {
            long gfn = b.firstGfn() + i;
            grants.endForeignAccess(refs[i], () -> kernel.pages().freePage(gfn));
        }
    }

    private void freePages(long first, int count) {
        for (int i = 0; i < count; i++) {
            kernel.pages().freePage(first + i);
        }
    }
}
