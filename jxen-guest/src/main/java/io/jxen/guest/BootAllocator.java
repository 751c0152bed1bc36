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

    /** Returns a page. */
    public synchronized void freePage(long gfn) {
        freed.push(gfn);
    }

    /** Guest-physical address of a GFN. */
    public static long gpa(long gfn) {
        return gfn << XenPage.SHIFT;
    }
}
