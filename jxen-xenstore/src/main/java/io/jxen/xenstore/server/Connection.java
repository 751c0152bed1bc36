package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Transaction;
import io.jxen.xenstore.watch.Watch;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One client of the daemon (a socket client, later a domain's ring): who it is, its
 * watches in registration order, its open transactions, and its outbox. Guarded by the
 * {@link XenstoredCore}'s lock.
 */
public final class Connection {

    private final long id;
    /** Changes only for SET_TARGET, under the core's lock. */
    private volatile Caller caller;
    private final Outbox outbox;
    final Map<String, Watch> watches = new LinkedHashMap<>();
    final Map<Integer, Transaction> transactions = new HashMap<>();
    int nextTransactionId = 1;
    /** C's watch memory: canonical path plus token length of every watch ({@code add_watch}). */
    long watchBytes;
    /**
     * Requests of this connection whose watch events (on any connection) still wait in an
     * outbox: C keeps such a request outstanding until they are written (any thread).
     */
    final java.util.concurrent.atomic.AtomicInteger requestsWithEvents = new java.util.concurrent.atomic.AtomicInteger();
    boolean overflowed;
    boolean closed;

    /**
     * @param id     a number for logs
     * @param caller identity and privilege
     * @param outbox where its messages go
     */
    public Connection(long id, Caller caller, Outbox outbox) {
        this.id = id;
        this.caller = caller;
        this.outbox = outbox;
    }

    /** The number for logs. */
    public long id() {
        return id;
    }

    /** Identity and privilege. */
    public Caller caller() {
        return caller;
    }

    /** SET_TARGET: the caller, now acting for {@code target} too (core lock held). */
    void setCaller(Caller c) {
        this.caller = c;
    }

    /** The outbox. */
    Outbox outbox() {
        return outbox;
    }

    /** Key of a watch in {@link #watches}. */
    static String watchKey(String path, String token) {
        return path + '\0' + token;
    }

    @Override
    public String toString() {
        return "conn" + id + "(dom" + caller.domid() + ")";
    }
}
