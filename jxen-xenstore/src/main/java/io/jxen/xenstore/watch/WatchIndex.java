package io.jxen.xenstore.watch;

import io.jxen.xenstore.wire.XsPath;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All registered watches, indexed by watched path, so firing a change costs the number of
 * path components plus the number of matching watches, not the number of watches.
 * Each registration gets a sequence number: callers order matches by (owner, sequence) to
 * deliver them in C xenstored's order (connections in creation order, each connection's
 * watches in registration order).
 *
 * @param <O> the owner of a watch (a connection)
 */
public final class WatchIndex<O> {

    /**
     * One registration.
     *
     * @param owner    the connection
     * @param watch    the watch
     * @param sequence registration order, increasing
     * @param <O>      owner type
     */
    public record Entry<O>(O owner, Watch watch, long sequence) {
    }

    private final Map<String, List<Entry<O>>> byPath = new HashMap<>();
    private long nextSequence;
    private int size;

    /**
     * Registers a watch.
     *
     * @param owner the connection
     * @param watch the watch
     */
    public void add(O owner, Watch watch) {
        byPath.computeIfAbsent(watch.path(), k -> new ArrayList<>(1)).add(new Entry<>(owner, watch, nextSequence++));
        size++;
    }

    /**
     * Removes a registration.
     *
     * @param owner the connection
     * @param watch the watch as registered
     */
    public void remove(O owner, Watch watch) {
        List<Entry<O>> l = byPath.get(watch.path());
        if (l == null) {
            return;
        }
        int before = l.size();
        l.removeIf(e -> e.owner() == owner && e.watch().equals(watch));
        size -= before - l.size();
        if (l.isEmpty()) {
            byPath.remove(watch.path());
        }
    }

    /**
     * The registrations a change fires (C's {@code fire_watches} matching): watches on the
     * path itself and, unless {@code exact}, on each of its ancestors up to {@code /}.
     * Special ({@code @…}) paths match only watches on exactly that name.
     *
     * @param path  absolute path or special name
     * @param exact only watches on exactly this path
     * @return matching registrations, unordered
     */
    public List<Entry<O>> matching(String path, boolean exact) {
        List<Entry<O>> out = new ArrayList<>();
        addAll(out, path);
        if (exact || XsPath.isSpecial(path)) {
            return out;
        }
        String p = path;
        while (!p.equals("/")) {
            p = XsPath.parent(p);
            addAll(out, p);
        }
        return out;
    }

    private void addAll(List<Entry<O>> out, String path) {
        List<Entry<O>> l = byPath.get(path);
        if (l != null) {
            out.addAll(l);
        }
    }

    /** Number of registrations. */
    public int size() {
        return size;
    }
}
