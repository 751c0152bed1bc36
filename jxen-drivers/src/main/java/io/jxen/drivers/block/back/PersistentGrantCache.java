package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * blkback's persistent grants ({@code feature-persistent}, io/blkif.h): frontend pages stay
 * mapped between requests, keyed by grant reference, in least-recently-used order and bounded
 * (Linux's {@code max_persistent_grants}). A miss maps the grant writable at a free GFN of the
 * cache's window, evicting (unmapping) the least recently used mapping when the window is full.
 * One backend thread uses it.
 */
final class PersistentGrantCache {

    /** Maps a frontend grant writable at a host address of ours, and unmaps it. */
    interface GrantMapper {
        /** @return the grant handle */
        int map(int gref, long hostGpa);

        /** Unmaps what {@link #map} mapped. */
        void unmap(long hostGpa, int handle);
    }

    /** A live mapping. */
    record Mapping(long gfn, int handle) {
    }

    private final GrantMapper mapper;
    private final int capacity;
    private final ArrayDeque<Long> freeGfns = new ArrayDeque<>();
    private final LinkedHashMap<Integer, Mapping> byRef = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;
    private long evictions;

    /**
     * @param mapper    maps and unmaps grants of the frontend
     * @param firstGfn  first of {@code capacity} GFNs reserved for the cache
     * @param capacity  mappings kept at most
     */
    PersistentGrantCache(GrantMapper mapper, long firstGfn, int capacity) {
        this.mapper = mapper;
        this.capacity = capacity;
        for (int i = 0; i < capacity; i++) {
            freeGfns.add(firstGfn + i);
        }
    }

    /**
     * The GFN where {@code gref} is mapped, mapping it on a miss.
     *
     * @throws RuntimeException from the mapper when the grant is bad (nothing is cached then)
     */
    long map(int gref) {
        Mapping m = byRef.get(gref);
        if (m != null) {
            hits++;
            return m.gfn();
        }
        misses++;
        if (freeGfns.isEmpty()) {
            Iterator<Map.Entry<Integer, Mapping>> eldest = byRef.entrySet().iterator();
            Mapping victim = eldest.next().getValue();
            eldest.remove();
            mapper.unmap(victim.gfn() << XenPage.SHIFT, victim.handle());
            freeGfns.add(victim.gfn());
            evictions++;
        }
        long gfn = freeGfns.poll();
        int handle;
        try {
            handle = mapper.map(gref, gfn << XenPage.SHIFT);
        } catch (RuntimeException e) {
            freeGfns.addFirst(gfn);
            throw e;
        }
        byRef.put(gref, new Mapping(gfn, handle));
        return gfn;
    }

    /** Unmaps everything (disconnect). */
    void clear() {
        for (Mapping m : byRef.values()) {
            try {
                mapper.unmap(m.gfn() << XenPage.SHIFT, m.handle());
            } catch (RuntimeException e) {
                // the frontend's domain may be gone; the mapping went with it
            }
            freeGfns.add(m.gfn());
        }
        byRef.clear();
    }

    int size() {
        return byRef.size();
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
}
