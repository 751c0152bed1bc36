package io.jxen.guest;

import io.jxen.abi.XenPage;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * The guest's early page allocator: hands out whole RAM pages from the top of memory down,
 * skipping the pages start_info names (start_info itself, the xenstore and console rings).
 * Pages below {@code lowWaterGfn} are left to the guest's own use (its "kernel image").
 * Freed pages are reused first. Thread-safe.
 */
public final class BootAllocator {

    private final Set<Long> reserved;
    private final long lowWaterGfn;
    private final Deque<Long> freed = new ArrayDeque<>();
    private long next;

    /**
     * @param nrPages     start_info's {@code nr_pages}
     * @param lowWaterGfn first GFN the allocator may never go below
     * @param reserved    GFNs never handed out
     */
    public BootAllocator(long nrPages, long lowWaterGfn, Set<Long> reserved) {
        this.reserved = Set.copyOf(reserved);
        this.lowWaterGfn = lowWaterGfn;
        this.next = nrPages - 1;
    }

    /**
     * A free page.
     *
     * @return its GFN
     * @throws IllegalStateException when memory above the low-water mark is exhausted
     */
    public synchronized long allocPage() {
        if (!freed.isEmpty()) {
            return freed.pop();
        }
        while (next >= lowWaterGfn && reserved.contains(next)) {
            next--;
        }
        if (next < lowWaterGfn) {
            throw new IllegalStateException("guest boot allocator exhausted at gfn " + lowWaterGfn);
        }
        return next--;
    }

    /**
     * {@code count} pages of consecutive GFNs, taken below the ones handed out so far (freed
     * pages are not reused: they are single pages), for a buffer a driver wants to see as one
     * range, such as a block device's registered I/O buffer.
     *
     * @return the lowest GFN of the run
     * @throws IllegalStateException when no such run is left above the low-water mark
     */
    public synchronized long allocPages(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count " + count);
        }
        long top = next;
        while (true) {
            while (top >= lowWaterGfn && reserved.contains(top)) {
                top--;
            }
            long low = top - count + 1;
            if (low < lowWaterGfn) {
                throw new IllegalStateException("guest boot allocator has no run of " + count + " pages above gfn "
                        + lowWaterGfn);
            }
            long clash = -1;
            for (long gfn = low; gfn <= top; gfn++) {
                if (reserved.contains(gfn)) {
                    clash = gfn;
                }
            }
            if (clash < 0) {
                // The pages skipped above the run (between it and next) are given back as single pages.
                for (long gfn = next; gfn > top; gfn--) {
                    if (!reserved.contains(gfn)) {
                        freed.push(gfn);
                    }
                }
                next = low - 1;
                return low;
            }
            top = clash - 1;
        }
    }

    /** Returns a page. */
    public synchronized void freePage(long gfn) {
        freed.push(gfn);
    }

    /** Guest-physical address of a GFN. */
    public static long gpa(long gfn) {
        return gfn << XenPage.SHIFT;
    }
}
