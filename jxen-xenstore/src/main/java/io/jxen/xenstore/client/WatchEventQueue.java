package io.jxen.xenstore.client;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The bounded queue between a xenstore connection's reader and its watch listeners (both the
 * socket client and a guest's ring client use it).
 *
 * <p>Why: the daemon's peer decides how many events arrive (a guest rewriting a node under a
 * backend's watch, XSA-349), while the listener may be slow; an unbounded executor queue lets
 * the peer grow our memory without limit. docs/misc/xenstore.txt allows spurious events and
 * says an event means "something under the path may have changed", so a listener must re-read
 * anyway; that lets the queue merge events without losing information:
 * <ol>
 *   <li><b>Coalesce:</b> an event whose (path, token) is already waiting is dropped; the
 *       waiting one will make the listener re-read.</li>
 *   <li><b>Collapse on overflow:</b> at most {@code perWatchLimit} distinct paths wait per
 *       token. Past that, the token's further events are dropped and one event for the watch's
 *       registered path (the root it watches) is queued instead, so the listener rescans the
 *       whole subtree once; it is queued once however many events were dropped.</li>
 * </ol>
 * Memory is bounded by (watches registered by this client) × {@code perWatchLimit} events, and
 * the watches are the client's own choice, not the peer's. Events of one token are delivered in
 * arrival order; the executor holds at most one drain task per queue.
 */
public final class WatchEventQueue {

    /** Default distinct paths waiting per watch token. */
    public static final int DEFAULT_PER_WATCH_LIMIT = 256;

    private record Event(String path, String token) {
    }

    private final Executor executor;
    private final int perWatchLimit;
    private final Map<String, WatchListener> listeners = new HashMap<>();
    private final Map<String, String> watchedPaths = new HashMap<>();
    private final Deque<Event> queue = new ArrayDeque<>();
    /** How often each event is queued (twice at most: once as itself, once as a rescan). */
    private final Map<Event, Integer> waiting = new HashMap<>();
    private final Map<String, Integer> waitingPerToken = new HashMap<>();
    /** Per token, the rescan event waiting for it since its last overflow. */
    private final Map<String, Event> rescans = new HashMap<>();
    private boolean draining;
    private long coalesced;
    private long collapsed;
    private long delivered;

    /**
     * @param executor      where listeners run (one task at a time is ever queued on it)
     * @param perWatchLimit distinct paths that may wait per token before the token's events
     *                      collapse into one rescan event (at least 1)
     */
    public WatchEventQueue(Executor executor, int perWatchLimit) {
        if (perWatchLimit < 1) {
            throw new IllegalArgumentException("perWatchLimit must be at least 1, was " + perWatchLimit);
        }
        this.executor = Objects.requireNonNull(executor);
        this.perWatchLimit = perWatchLimit;
    }

    /** A queue with {@link #DEFAULT_PER_WATCH_LIMIT}. */
    public WatchEventQueue(Executor executor) {
        this(executor, DEFAULT_PER_WATCH_LIMIT);
    }

    /**
     * Registers a listener before the {@code XS_WATCH} request goes out (the daemon fires the
     * new watch at once).
     *
     * @param path     the path as registered (used for the overflow's rescan event)
     * @param token    the watch token; one listener per token
     * @param listener the listener
     */
    public synchronized void register(String path, String token, WatchListener listener) {
        listeners.put(token, Objects.requireNonNull(listener));
        watchedPaths.put(token, path);
    }

    /** Forgets a token if it still maps to {@code listener} (a failed {@code XS_WATCH}). */
    public synchronized void unregister(String token, WatchListener listener) {
        if (listeners.remove(token, listener)) {
            watchedPaths.remove(token);
        }
    }

    /** Forgets a token; its waiting events are dropped when they come up. */
    public synchronized void unregister(String token) {
        listeners.remove(token);
        watchedPaths.remove(token);
    }

    /** Forgets every token (the connection is gone). */
    public synchronized void clear() {
        listeners.clear();
        watchedPaths.clear();
    }

    /**
     * Offers an event from the daemon (called by the connection's reader).
     *
     * @return whether the event was queued as is (false: coalesced, collapsed, or no listener)
     */
    public boolean offer(String path, String token) {
        boolean queued;
        boolean startDrain = false;
        synchronized (this) {
            if (!listeners.containsKey(token)) {
                return false;
            }
            Event e = new Event(path, token);
            if (waiting.containsKey(e)) {
                coalesced++;
                return false;
            }
            int n = waitingPerToken.getOrDefault(token, 0);
            if (n >= perWatchLimit) {
                collapsed++;
                if (!rescans.containsKey(token)) {
                    // One rescan event, beyond the limit by exactly one per token, queued even if
                    // the same event waits further ahead: it must come after every event it
                    // stands for.
                    Event rescan = new Event(watchedPaths.get(token), token);
                    rescans.put(token, rescan);
                    enqueue(rescan);
                }
                queued = false;
            } else {
                enqueue(e);
                queued = true;
            }
            if (!draining) {
                draining = true;
                startDrain = true;
            }
        }
        if (startDrain) {
            executor.execute(this::drain);
        }
        return queued;
    }

    private void enqueue(Event e) {
        queue.add(e);
        waiting.merge(e, 1, Integer::sum);
        waitingPerToken.merge(e.token(), 1, Integer::sum);
    }

    private void drain() {
        while (true) {
            Event e;
            WatchListener l;
            synchronized (this) {
                e = queue.poll();
                if (e == null) {
                    draining = false;
                    return;
                }
                if (waiting.merge(e, -1, Integer::sum) <= 0) {
                    waiting.remove(e);
                }
                if (waitingPerToken.merge(e.token(), -1, Integer::sum) <= 0) {
                    waitingPerToken.remove(e.token());
                }
                if (e.equals(rescans.get(e.token())) && !waiting.containsKey(e)) {
                    rescans.remove(e.token()); // the rescan itself: later drops need a later one
                }
                l = listeners.get(e.token());
                if (l != null) {
                    delivered++;
                }
            }
            if (l != null) {
                try {
                    l.onEvent(e.path(), e.token());
                } catch (RuntimeException ex) {
                    // A listener's failure costs its event, not the queue: escaping here would
                    // leave "draining" set with nobody draining, and no watch would fire again.
                    System.getLogger("jxen.xenstore").log(System.Logger.Level.WARNING,
                            "watch " + e.token() + " on " + e.path() + ": listener failed: " + ex, ex);
                }
            }
        }
    }

    /** Events waiting for their listener now. */
    public synchronized int waiting() {
        return queue.size();
    }

    /** Events dropped because the same (path, token) was already waiting. */
    public synchronized long coalesced() {
        return coalesced;
    }

    /** Events dropped past the per-watch limit (each token's drops cost one rescan event). */
    public synchronized long collapsed() {
        return collapsed;
    }

    /** Events handed to a listener. */
    public synchronized long delivered() {
        return delivered;
    }
}
