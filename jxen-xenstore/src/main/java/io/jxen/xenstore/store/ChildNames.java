package io.jxen.xenstore.store;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A node's child names, immutable as {@link Node} needs them (a transaction keeps old
 * versions), yet appending costs O(1) amortised instead of a copy of the whole list: the
 * versions of one node share a growing array, each sees only its own prefix, and an append
 * writes in place only when no later version has claimed that slot (otherwise it copies).
 * Without this, a directory of n children costs O(n) per created child, O(n²) to fill.
 * Also caches the DIRECTORY payload (every name followed by a NUL), built once per version.
 */
public final class ChildNames extends AbstractList<String> implements RandomAccess {

    /** The array several versions share, and how many of its slots are claimed. */
    private static final class Shared {
        private final String[] names;
        private int claimed;

        Shared(String[] names, int claimed) {
            this.names = names;
            this.claimed = claimed;
        }
    }

    static final ChildNames EMPTY = new ChildNames(new Shared(new String[0], 0), 0, 0);

    private final Shared shared;
    private final String[] names;
    private final int size;
    /** C's {@code childlen}: the bytes of the NUL-separated list. */
    private final int bytes;
    private volatile byte[] payload;

    private ChildNames(Shared shared, int size, int bytes) {
        this.shared = shared;
        this.names = shared.names;
        this.size = size;
        this.bytes = bytes;
    }

    /**
     * An immutable copy (nulls rejected, as {@link List#copyOf}).
     *
     * @param names child names in order
     * @return the list
     */
    static ChildNames copyOf(List<String> names) {
        if (names instanceof ChildNames c) {
            return c;
        }
        if (names.isEmpty()) {
            return EMPTY;
        }
        String[] a = names.toArray(new String[0]);
        int bytes = 0;
        for (String s : a) {
            bytes += Objects.requireNonNull(s).length() + 1;
        }
        return new ChildNames(new Shared(a, a.length), a.length, bytes);
    }

    /**
     * This list and one more name at the end.
     *
     * @param name the new child
     * @return the longer list (this one is unchanged)
     */
    ChildNames plus(String name) {
        Objects.requireNonNull(name);
        int newBytes = bytes + name.length() + 1;
        Shared s = shared;
        synchronized (s) {
            // Only the newest version may extend the shared array in place.
            if (s.claimed == size && s.names == names && size < names.length) {
                names[size] = name;
                s.claimed = size + 1;
                return new ChildNames(s, size + 1, newBytes);
            }
        }
        String[] grown = Arrays.copyOf(names, Math.max(4, size + (size >> 1) + 1));
        grown[size] = name;
        return new ChildNames(new Shared(grown, size + 1), size + 1, newBytes);
    }

    /**
     * This list without the first occurrence of {@code name} (a copy).
     *
     * @param name the child to drop
     * @return the shorter list, or this one if it does not hold the name
     */
    ChildNames minus(String name) {
        int at = indexOf(name);
        if (at < 0) {
            return this;
        }
        String[] a = new String[size - 1];
        System.arraycopy(names, 0, a, 0, at);
        System.arraycopy(names, at + 1, a, at, size - at - 1);
        return new ChildNames(new Shared(a, a.length), a.length, bytes - name.length() - 1);
    }

    /** Bytes of the NUL-separated list (C's {@code childlen}). */
    public int byteLength() {
        return bytes;
    }

    /**
     * Every name followed by a NUL (the DIRECTORY reply), built once per version. The array
     * is shared: callers must not modify it.
     *
     * @return the payload bytes
     */
    public byte[] payload() {
        byte[] p = payload;
        if (p == null) {
            p = new byte[bytes];
            int at = 0;
            for (int i = 0; i < size; i++) {
                String s = names[i];
                for (int j = 0; j < s.length(); j++) {
                    p[at++] = (byte) s.charAt(j);
                }
                p[at++] = 0;
            }
            payload = p;
        }
        return p;
    }

    @Override
    public String get(int index) {
        Objects.checkIndex(index, size);
        return names[index];
    }

    @Override
    public int size() {
        return size;
    }
}
