package io.jxen.drivers.block;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks byte ranges of a disk, shared or exclusive, for {@link ReadModifyWriteDevice}: a
 * read-modify-write holds its sectors exclusively from the read to the end of the write, so no
 * other write to those sectors can land in between and be overwritten with stale bytes (a lost
 * update); whole-sector writes hold theirs shared, so they run in parallel with each other and
 * only wait for a read-modify-write they overlap.
 *
 * <p>Grants are first come, first served among conflicting requests: a request waits while an
 * overlapping, conflicting request holds its range <em>or asked before it</em>, so a stream of
 * shared writes cannot starve a read-modify-write. Non-conflicting requests never wait for each
 * other. Requests in flight are few (bounded by the callers' queue depth), so the lists are
 * scanned linearly.
 */
public final class SectorRangeLock {

    /** One held or requested range, {@code [start, end)}. */
    public final class Range implements AutoCloseable {
        private final long start;
        private final long end;
        private final boolean exclusive;
        private boolean granted;

        private Range(long start, long end, boolean exclusive) {
            this.start = start;
            this.end = end;
            this.exclusive = exclusive;
        }

        private boolean conflictsWith(Range other) {
            return (exclusive || other.exclusive) && start < other.end && other.start < end;
        }

        /** Releases the range and wakes whoever waits for it. */
        @Override
        public void close() {
            lock.lock();
            try {
                if (granted) {
                    granted = false;
                    held.remove(this);
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Range> held = new ArrayList<>();
    private final List<Range> queued = new ArrayList<>();
    private long contended;

    /**
     * Takes {@code [start, end)}, waiting while a conflicting range is held or queued ahead.
     *
     * @param exclusive conflicts with every overlapping range; shared ones conflict only with exclusive ones
     * @throws InterruptedException if interrupted while waiting (nothing is then held)
     */
    public Range acquire(long start, long end, boolean exclusive) throws InterruptedException {
        if (end <= start) {
            throw new IllegalArgumentException("empty range " + start + ".." + end);
        }
        Range r = new Range(start, end, exclusive);
        lock.lock();
        try {
            if (!blocked(r, queued.size())) {
                r.granted = true;
                held.add(r);
                return r;
            }
            contended++;
            queued.add(r);
            changed.signalAll(); // awaitQueued() watchers
            try {
                while (blocked(r, queued.indexOf(r))) {
                    changed.await();
                }
            } finally {
                queued.remove(r);
                changed.signalAll(); // those queued behind r may go now
            }
            r.granted = true;
            held.add(r);
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** True if a held range or one of the first {@code ahead} queued ones conflicts with {@code r}. Under the lock. */
    private boolean blocked(Range r, int ahead) {
        for (Range h : held) {
            if (h.conflictsWith(r)) {
                return true;
            }
        }
        for (int i = 0; i < ahead; i++) {
            if (queued.get(i).conflictsWith(r)) {
                return true;
            }
        }
        return false;
    }

    /** Requests that had to wait so far. */
    public long contended() {
        lock.lock();
        try {
            return contended;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until at least {@code count} requests are waiting (tests use it to order threads without sleeping). */
    public void awaitQueued(int count) throws InterruptedException {
        lock.lock();
        try {
            while (queued.size() < count) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }
}
