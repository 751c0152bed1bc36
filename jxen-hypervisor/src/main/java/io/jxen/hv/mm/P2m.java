package io.jxen.hv.mm;

import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.FrameAllocator;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * A domain's physical-to-machine table: one {@link P2mEntry} word per guest frame number, kept
 * in machine frames the hypervisor owns so that the guest's {@link GuestPhysicalMemory} (in
 * this JVM or another) translates addresses through the very same table, as a CPU walks the
 * EPT Xen maintains for a translated guest ({@code XENFEAT_auto_translated_physmap}).
 *
 * <p>Only the hypervisor writes it (under the hypervisor lock); entries are published with
 * release after the frame they name has been zeroed.
 */
public final class P2m {

    private final FrameAllocator allocator;
    private final long firstMfn;
    private final int frames;
    private final long gfnLimit;
    private final MemorySegment table;
    private boolean released;

    /**
     * Allocates and zeroes the table's frames.
     *
     * @param gfnLimit number of GFNs, at least 1
     */
    public P2m(MachineMemory memory, FrameAllocator allocator, long gfnLimit) {
        this.allocator = allocator;
        this.gfnLimit = gfnLimit;
        this.frames = (int) ((gfnLimit + P2mEntry.PER_FRAME - 1) / P2mEntry.PER_FRAME);
        this.firstMfn = allocator.allocContiguous(frames);
        this.table = memory.frames(firstMfn, frames);
        table.fill((byte) 0);
    }

    /** First machine frame of the table. */
    public long firstMfn() {
        return firstMfn;
    }

    /** Machine frames the table occupies. */
    public int frames() {
        return frames;
    }

    /** Number of GFNs covered. */
    public long gfnLimit() {
        return gfnLimit;
    }

    /** The entry of {@code gfn}; {@link P2mEntry#EMPTY} outside the table. */
    public long get(long gfn) {
        if (gfn < 0 || gfn >= gfnLimit) {
            return P2mEntry.EMPTY;
        }
        return OrderedAccess.getLongPlain(table, gfn * P2mEntry.SIZE);
    }

    /** Whether {@code gfn} is inside the table. */
    public boolean inRange(long gfn) {
        return gfn >= 0 && gfn < gfnLimit;
    }

    /** Publishes {@code entry} for {@code gfn} (release: the frame's contents first). */
    public void set(long gfn, long entry) {
        if (!inRange(gfn)) {
            throw new IndexOutOfBoundsException("gfn 0x" + Long.toHexString(gfn) + " outside p2m of " + gfnLimit);
        }
        OrderedAccess.setLongRelease(table, gfn * P2mEntry.SIZE, entry);
    }

    /** Returns the table's frames to the allocator. Idempotent. */
    public void release() {
        if (!released) {
            released = true;
            allocator.free(firstMfn, frames);
        }
    }
}
