package io.jxen.hv.gnttab;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The mappings a domain made of other domains' grants, by handle (Xen's maptrack table of
 * {@code struct grant_mapping}, with its free list). Bounded like Xen's
 * {@code max_maptrack_frames} (1024 frames of 256 entries).
 */
final class Maptrack {

    /** Handles a domain may hold. */
    static final int LIMIT = 1024 * 256;

    /** One mapping. {@code flags == 0} means the handle is free. */
    static final class Entry {
        int flags;
        int domid;
        int ref;
        long hostGfn;
        /** The mapped machine frame. */
        long mfn;
        /** The granter is gone; a device mapping keeps the frame alive until unmapped. */
        boolean orphan;
    }

    private final List<Entry> entries = new ArrayList<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    /** A free handle, or -1 if the table is full ({@code get_maptrack_handle}). */
    int allocate() {
        Integer handle = free.pollFirst();
        if (handle != null) {
            return handle;
        }
        if (entries.size() >= LIMIT) {
            return -1;
        }
        entries.add(new Entry());
        return entries.size() - 1;
    }

    /** Puts a handle back on the free list ({@code put_maptrack_handle}). */
    void release(int handle) {
        entries.get(handle).flags = 0;
        entries.get(handle).orphan = false;
        free.addFirst(handle);
    }

    /** Records the mapping behind a handle from {@link #allocate()}. */
    void set(int handle, int flags, int domid, int ref, long hostGfn, long mfn) {
        Entry e = entries.get(handle);
        e.mfn = mfn;
        e.orphan = false;
        e.domid = domid;
        e.ref = ref;
        e.hostGfn = hostGfn;
        e.flags = flags;
    }

    /** Number of handles ever made ({@code maptrack_limit}). */
    int limit() {
        return entries.size();
    }

    /** The entry of a handle below {@link #limit()}. */
    Entry get(int handle) {
        return entries.get(handle);
    }

    /** Mappings in use. */
    int inUse() {
        int n = 0;
        for (Entry e : entries) {
            if (e.flags != 0) {
                n++;
            }
        }
        return n;
    }
}
