package io.jxen.guest.gnttab;

import io.jxen.abi.gnttab.GrantTableLimits;

import java.util.Arrays;

/**
 * The free list of grant references, as Linux's and FreeBSD's {@code gnttab_list}: each free
 * reference holds the number of the next one, {@link #LIST_END} ends the list, and a driver may
 * take a private batch ({@link #allocBatch}) to claim from without the global lock. References
 * below {@code GNTTAB_NR_RESERVED_ENTRIES} (console, xenstore) are never on it.
 *
 * <p>Not thread-safe: {@link GrantTableClient} holds its lock around every call.
 */
public final class GrantFreeList {

    /** End of a list: {@code GNTTAB_LIST_END}, Linux's {@code GRANT_REF_INVALID} ({@code 0xffffffff}). */
    public static final int LIST_END = 0xFFFF_FFFF;

    private int[] next;
    /** References on the global list: a second free of one is a driver bug, refused loudly. */
    private final java.util.BitSet onList = new java.util.BitSet();
    private int head = LIST_END;
    private int freeCount;

    /** A list of {@code capacity} references, all but the reserved ones free. */
    public GrantFreeList(int capacity) {
        next = new int[0];
        grow(capacity);
    }

    /** Number of references the table has (free or not). */
    public int capacity() {
        return next.length;
    }

    /** Free references on the global list. */
    public int freeCount() {
        return freeCount;
    }

    /** Adds references {@code capacity()..newCapacity-1} to the free list ({@code gnttab_expand}). */
    public void grow(int newCapacity) {
        int old = next.length;
        if (newCapacity <= old) {
            return;
        }
        next = Arrays.copyOf(next, newCapacity);
        for (int ref = newCapacity - 1; ref >= Math.max(old, GrantTableLimits.NR_RESERVED_ENTRIES); ref--) {
            next[ref] = head;
            head = ref;
            onList.set(ref);
            freeCount++;
        }
    }

    /**
     * Takes one reference ({@code get_free_entries(1)}).
     *
     * @return the reference, or {@link #LIST_END} when none is free
     */
    public int take() {
        if (head == LIST_END) {
            return LIST_END;
        }
        int ref = head;
        head = next[ref];
        next[ref] = LIST_END;
        onList.clear(ref);
        freeCount--;
        return ref;
    }

    /**
     * Detaches {@code count} references as a private list.
     *
     * @return the private list's first reference, or {@link #LIST_END} if fewer are free (nothing is taken)
     */
    public int allocBatch(int count) {
        if (count <= 0 || count > freeCount) {
            return LIST_END;
        }
        int first = head;
        int last = first;
        onList.clear(first);
        for (int i = 1; i < count; i++) {
            last = next[last];
            onList.clear(last);
        }
        head = next[last];
        next[last] = LIST_END;
        freeCount -= count;
        return first;
    }

    /** The reference after {@code ref} on whatever list holds it. */
    int nextOf(int ref) {
        return next[ref];
    }

    /** Links {@code ref} in front of a private list whose head is {@code privateHead}; returns the new head. */
    int pushPrivate(int privateHead, int ref) {
        checkRef(ref);
        checkNotFree(ref);
        next[ref] = privateHead;
        return ref;
    }

    /** Puts one reference back on the global list ({@code put_free_entry}). */
    public void put(int ref) {
        checkRef(ref);
        checkNotFree(ref);
        onList.set(ref);
        next[ref] = head;
        head = ref;
        freeCount++;
    }

    /** Puts a whole private list back ({@code gnttab_free_grant_references}). */
    public void putList(int privateHead) {
        if (privateHead == LIST_END) {
            return;
        }
        int count = 1;
        int last = privateHead;
        checkNotFree(last);
        onList.set(last);
        while (next[last] != LIST_END) {
            last = next[last];
            checkNotFree(last);
            onList.set(last);
            count++;
        }
        next[last] = head;
        head = privateHead;
        freeCount += count;
    }

    private void checkNotFree(int ref) {
        if (onList.get(ref)) {
            throw new IllegalStateException("grant reference " + ref + " freed twice");
        }
    }

    private void checkRef(int ref) {
        if (ref < GrantTableLimits.NR_RESERVED_ENTRIES || ref >= next.length) {
            throw new IllegalArgumentException("grant reference " + Integer.toUnsignedString(ref)
                    + " is reserved or outside the table of " + next.length);
        }
    }
}
