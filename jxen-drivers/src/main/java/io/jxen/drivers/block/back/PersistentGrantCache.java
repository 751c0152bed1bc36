package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;

import java.util.Arrays;

/**
 * blkback's persistent grants ({@code feature-persistent}, io/blkif.h): frontend pages stay
 * mapped between requests, keyed by grant reference, in least-recently-used order and bounded
 * (Linux's {@code max_persistent_grants}). A miss maps the grant writable at a free GFN of the
 * cache's window, evicting (unmapping) the least recently used mapping when the window is full.
 * One backend thread uses it.
 *
 * <p>Every segment of every request looks a grant up here, so the structure is primitive
 * arrays (no boxing, no allocation per lookup): slot {@code i} owns GFN {@code firstGfn + i};
 * an open-addressing table (linear probing, deletion by backward shift) finds a slot by grant
 * reference, and a doubly linked list through {@code prev}/{@code next} keeps the slots in use
 * from most to least recently used.
 */
final class PersistentGrantCache {

    /** Maps a frontend grant writable at a host address of ours, and unmaps it. */
    interface GrantMapper {
        /** @return the grant handle */
        int map(int gref, long hostGpa);

        /** Unmaps what {@link #map} mapped. */
        void unmap(long hostGpa, int handle);
    }

    private static final int NONE = -1;

    private final GrantMapper mapper;
    private final long firstGfn;
    private final int capacity;
    private final int[] gref;
    private final int[] handle;
    /** LRU list: slot {@code capacity} is the sentinel; {@code next[capacity]} the most recent. */
    private final int[] prev;
    private final int[] next;
    private final int[] free;
    private int freeCount;
    /** Open addressing: slot + 1 per bucket, 0 for empty; at least twice the capacity, a power of two. */
    private final int[] table;
    private final int mask;
    private int size;
    private long hits;
    private long misses;
    private long evictions;

    /**
     * @param mapper    maps and unmaps grants of the frontend
     * @param firstGfn  first of {@code capacity} GFNs reserved for the cache
     * @param capacity  mappings kept at most (at least 1)
     */
    PersistentGrantCache(GrantMapper mapper, long firstGfn, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.mapper = mapper;
        this.firstGfn = firstGfn;
        this.capacity = capacity;
        this.gref = new int[capacity];
        this.handle = new int[capacity];
        this.prev = new int[capacity + 1];
        this.next = new int[capacity + 1];
        this.free = new int[capacity];
        this.table = new int[Math.max(2, Integer.highestOneBit(Math.max(1, capacity)) << 2)];
        this.mask = table.length - 1;
        prev[capacity] = capacity;
        next[capacity] = capacity;
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i; // slot 0 first
        }
        freeCount = capacity;
    }

    /**
     * The GFN where {@code ref} is mapped, mapping it on a miss.
     *
     * @throws RuntimeException from the mapper when the grant is bad (nothing is cached then)
     */
    long map(int ref) {
        int slot = find(ref);
        if (slot != NONE) {
            hits++;
            if (next[capacity] != slot) {
                unlink(slot);
                linkFirst(slot);
            }
            return firstGfn + slot;
        }
        misses++;
        if (freeCount == 0) {
            int victim = prev[capacity];
            unlink(victim);
            remove(gref[victim]);
            size--;
            free[freeCount++] = victim;
            evictions++;
            mapper.unmap((firstGfn + victim) << XenPage.SHIFT, handle[victim]);
        }
        slot = free[--freeCount];
        int h;
        try {
            h = mapper.map(ref, (firstGfn + slot) << XenPage.SHIFT);
        } catch (RuntimeException e) {
            free[freeCount++] = slot;
            throw e;
        }
        gref[slot] = ref;
        handle[slot] = h;
        insert(ref, slot);
        linkFirst(slot);
        size++;
        return firstGfn + slot;
    }

    /** Unmaps everything (disconnect). */
    void clear() {
        for (int slot = next[capacity]; slot != capacity; slot = next[slot]) {
            try {
                mapper.unmap((firstGfn + slot) << XenPage.SHIFT, handle[slot]);
            } catch (RuntimeException e) {
                // the frontend's domain may be gone; the mapping went with it
            }
        }
        Arrays.fill(table, 0);
        prev[capacity] = capacity;
        next[capacity] = capacity;
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        size = 0;
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    long evictions() {
        return evictions;
    }

    /** Grant references held, most recently used first (for tests). */
    int[] refsByRecency() {
        int[] out = new int[size];
        int i = 0;
        for (int slot = next[capacity]; slot != capacity; slot = next[slot]) {
            out[i++] = gref[slot];
        }
        return out;
    }

    // ---- LRU list ----

    private void unlink(int slot) {
        next[prev[slot]] = next[slot];
        prev[next[slot]] = prev[slot];
    }

    private void linkFirst(int slot) {
        int first = next[capacity];
        next[slot] = first;
        prev[slot] = capacity;
        prev[first] = slot;
        next[capacity] = slot;
    }

    // ---- open addressing by grant reference ----

    private static int hash(int ref) {
        int h = ref * 0x9E3779B9; // Fibonacci hashing: grant references are small and dense
        return h ^ (h >>> 16);
    }

    private int find(int ref) {
        for (int i = hash(ref) & mask; ; i = (i + 1) & mask) {
            int entry = table[i];
            if (entry == 0) {
                return NONE;
            }
            if (gref[entry - 1] == ref) {
                return entry - 1;
            }
        }
    }

    private void insert(int ref, int slot) {
        int i = hash(ref) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = slot + 1;
    }

    /** Removes {@code ref}'s bucket and shifts later buckets of its probe run back (no tombstones). */
    private void remove(int ref) {
        int i = hash(ref) & mask;
        while (gref[table[i] - 1] != ref) {
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int home = hash(gref[table[j] - 1]) & mask;
            // j's entry may move back into the hole if its home is not in (hole, j] (cyclically).
            boolean homeInRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!homeInRange) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = 0;
    }
}
