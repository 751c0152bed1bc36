package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transaction: private versions of the nodes it changed, layered over the committed
 * {@link Store}, and per-node conflict detection as C xenstored has done since 4.9
 * (xenstored_transaction.c): the generation of every node the transaction read first
 * (present or absent) is remembered, and commit fails with EAGAIN only when one of those
 * nodes changed in the store since. Nodes it only wrote never conflict (last writer wins).
 * Watch events are held back and fired at commit, in first-access order; an abort fires none.
 *
 * <p>One refinement over C, as oxenstored merges child lists at commit: a node the
 * transaction used only as an ancestor ({@link #getAncestor}: the parent of a node it created
 * or removed, or a node whose permissions decided an errno) is checked only for what it
 * depended on, its existence and permissions, and a child-list change the transaction made
 * there is replayed on the committed node (its current children plus the transaction's
 * additions, minus its removals, in order). So two transactions adding or removing different
 * children of one parent both commit, where C fails the second with EAGAIN. The result is
 * what running the transaction's requests serially at commit would give: every node it read,
 * wrote, created or removed is still checked by generation (the same child created by both
 * conflicts: it was read absent), a parent that went away or changed permissions conflicts,
 * and a merged parent an unprivileged caller would push to the node-size quota conflicts (a
 * retry then gets the ENOSPC). Reading the node in full (READ, DIRECTORY, GET_PERMS...) or
 * writing it makes the check strict again. Turned off, C's behaviour comes back exactly
 * (the differential tests against C use that).
 */
public final class Transaction implements NodeTable {

    /** Marks a node removed inside the transaction. */
    private static final Node DELETED = Node.leaf(new byte[0], Permissions.DOM0_ONLY);
    /** Accessed-by-write-first: no generation check at commit. */
    private static final long NO_CHECK = Long.MIN_VALUE;
    /** Generation recorded for a node that did not exist when first read. */
    private static final long ABSENT = -1;

    private final Store store;
    private final int id;
    private final Caller caller;
    private final Quotas quotas;
    private final Map<String, Node> overlay = new HashMap<>();
    private final LinkedHashMap<String, Long> accessed = new LinkedHashMap<>();
    /** What the first read saw ({@link #DELETED} for absent): later reads see the same. */
    private final Map<String, Node> seen = new HashMap<>();
    private final Map<String, ChangeEvent> events = new HashMap<>();
    private final Map<Integer, Integer> ownedDelta = new HashMap<>();
    /** Nodes every access of which so far was {@link #getAncestor}: checked and merged loosely. */
    private final Set<String> ancestorOnly = new HashSet<>();
    /** The child additions and removals made at each parent, in order. */
    private final Map<String, List<ChildChange>> childChanges = new HashMap<>();
    private final boolean mergeChildLists;
    /** C keys a transaction's copy "<generation>/<path>": this prefix's length. */
    private final int keyPrefix;
    private long memory;
    private boolean failed;

    /**
     * @param store  the committed tree
     * @param id     the id the client sees
     * @param caller who runs the transaction (for quotas)
     * @param quotas limits
     */
    public Transaction(Store store, int id, Caller caller, Quotas quotas) {
        this(store, id, caller, quotas, true);
    }

    /**
     * @param store           the committed tree
     * @param id              the id the client sees
     * @param caller          who runs the transaction (for quotas)
     * @param quotas          limits
     * @param mergeChildLists false: every node read conflicts by generation, exactly as C
     */
    public Transaction(Store store, int id, Caller caller, Quotas quotas, boolean mergeChildLists) {
        this.mergeChildLists = mergeChildLists;
        this.store = store;
        this.id = id;
        this.caller = caller;
        this.quotas = quotas;
        this.keyPrefix = Long.toString(store.generation()).length() + 1;
    }

    /** Bytes of this transaction's private node copies, charged to its domain (memory quota). */
    public long memory() {
        return memory;
    }

    @Override
    public long memoryOf(String path, Node node) {
        return keyPrefix + path.length() + (long) node.recordSize();
    }

    @Override
    public int chargedDomain(Node node) {
        return caller.domid();
    }

    @Override
    public Node chargedVersion(String path) {
        Node mine = overlay.get(path);
        return mine == DELETED ? null : mine;
    }

    /** The id the client sees. */
    public int id() {
        return id;
    }

    /** One child added or removed at a parent. */
    private record ChildChange(String name, boolean added) {
    }

    @Override
    public Node get(String path) throws XenstoreException {
        ancestorOnly.remove(path);
        return read(path);
    }

    @Override
    public Node getAncestor(String path) throws XenstoreException {
        boolean first = mergeChildLists && !accessed.containsKey(path);
        Node n = read(path);
        if (first) {
            ancestorOnly.add(path);
        }
        return n;
    }

    private Node read(String path) throws XenstoreException {
        Node mine = overlay.get(path);
        if (mine == null) {
            // As C xenstored: once read, a node keeps the version the transaction saw first.
            mine = seen.get(path);
        }
        if (mine != null) {
            return mine == DELETED ? null : mine;
        }
        Node committed = store.get(path);
        if (!accessed.containsKey(path)) {
            checkAccessQuota();
            accessed.put(path, committed == null ? ABSENT : committed.generation());
        }
        seen.put(path, committed == null ? DELETED : committed);
        return committed;
    }

    private void checkAccessQuota() throws XenstoreException {
        if (!caller.privileged() && accessed.size() >= quotas.transactionNodes()) {
            // As C's access_node: the transaction is marked failed and its commit answers ENOMEM.
            failed = true;
            throw new XenstoreException(XsError.ENOSPC, "transaction-nodes quota");
        }
    }

    @Override
    public Node peek(String path) {
        return current(path);
    }

    private Node current(String path) {
        Node mine = overlay.get(path);
        if (mine == null) {
            mine = seen.get(path);
        }
        if (mine != null) {
            return mine == DELETED ? null : mine;
        }
        return store.get(path);
    }

    @Override
    public void put(String path, Node node) {
        ancestorOnly.remove(path);
        store(path, node);
    }

    @Override
    public void putChildList(String path, Node node, String child, boolean added) {
        childChanges.computeIfAbsent(path, k -> new ArrayList<>()).add(new ChildChange(child, added));
        store(path, node);
    }

    private void store(String path, Node node) {
        Node old = current(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        ownedDelta.merge(node.perms().owner(), 1, Integer::sum);
        Node replaced = overlay.put(path, node);
        if (replaced != null && replaced != DELETED) {
            memory -= memoryOf(path, replaced);
        }
        memory += memoryOf(path, node);
        accessed.putIfAbsent(path, NO_CHECK);
    }

    @Override
    public void remove(String path) {
        ancestorOnly.remove(path);
        Node old = current(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        Node replaced = overlay.put(path, DELETED);
        if (replaced != null && replaced != DELETED) {
            memory -= memoryOf(path, replaced);
        }
        accessed.putIfAbsent(path, NO_CHECK);
    }

    @Override
    public int nodesOwnedBy(int domid) {
        return store.nodesOwnedBy(domid) + ownedDelta.getOrDefault(domid, 0);
    }

    @Override
    public void changed(ChangeEvent event) {
        events.merge(event.path(), event, (a, b) -> new ChangeEvent(a.path(), a.exact() && b.exact(),
                b.nodePerms(), b.parentPerms(), a.oldPerms() != null ? a.oldPerms() : b.oldPerms()));
    }

    /**
     * Commits: checks for conflicts and quotas, then applies every change to the store and
     * fires the held-back watch events. Nothing is applied when it throws.
     *
     * @throws XenstoreException EAGAIN on a conflict, ENOSPC over the node quota, ENOMEM when
     *                           an operation inside hit the transaction-nodes quota
     */
    public void commit() throws XenstoreException {
        if (failed) {
            throw new XenstoreException(XsError.ENOMEM, "transaction failed earlier");
        }
        Map<String, Node> merged = new HashMap<>();
        for (Map.Entry<String, Long> e : accessed.entrySet()) {
            long seen = e.getValue();
            if (seen == NO_CHECK) {
                continue;
            }
            String path = e.getKey();
            Node now = store.get(path);
            if (ancestorOnly.contains(path)) {
                checkAncestor(path, now, merged);
                continue;
            }
            long gen = now == null ? ABSENT : now.generation();
            if (gen != seen) {
                throw new XenstoreException(XsError.EAGAIN, "conflict on " + path);
            }
        }
        if (!caller.privileged()) {
            int delta = ownedDelta.getOrDefault(caller.domid(), 0);
            if (delta > 0 && store.nodesOwnedBy(caller.domid()) + delta > quotas.nodes()) {
                throw new XenstoreException(XsError.ENOSPC, "nodes quota at commit");
            }
        }
        List<ChangeEvent> fire = new ArrayList<>();
        List<Boolean> removed = new ArrayList<>();
        for (String path : accessed.keySet()) {
            Node mine = merged.getOrDefault(path, overlay.get(path));
            boolean existed = store.get(path) != null;
            if (mine == DELETED) {
                store.remove(path);
            } else if (mine != null) {
                store.put(path, mine);
            }
            ChangeEvent ev = events.get(path);
            // A node created and removed again inside the transaction never changed the
            // store: C xenstored fires nothing for it.
            if (ev != null && !(mine == DELETED && !existed)) {
                fire.add(ev);
                removed.add(mine == DELETED);
            }
        }
        // Visibility is judged on the committed tree, once every change is in.
        for (int i = 0; i < fire.size(); i++) {
            store.changed(atCommit(fire.get(i), removed.get(i)));
        }
    }

    /**
     * The commit check of a node used only as an ancestor: it must exist (or not) as it did
     * when first read, with the same permissions; a child-list change made at it is replayed
     * on the committed version into {@code merged}.
     */
    private void checkAncestor(String path, Node now, Map<String, Node> merged) throws XenstoreException {
        Node first = seen.get(path);
        boolean wasAbsent = first == null || first == DELETED;
        if (wasAbsent ? now != null : now == null || !now.perms().equals(first.perms())) {
            throw new XenstoreException(XsError.EAGAIN, "conflict on ancestor " + path);
        }
        List<ChildChange> changes = childChanges.get(path);
        if (changes == null || overlay.get(path) == null || overlay.get(path) == DELETED) {
            return;
        }
        Node result = now;
        for (ChildChange c : changes) {
            boolean listed = result.children().contains(c.name());
            if (c.added() && !listed) {
                result = result.withChild(c.name());
            } else if (!c.added() && listed) {
                result = result.withoutChild(c.name());
            }
        }
        if (!caller.privileged() && result.recordSize() >= quotas.nodeSize()) {
            // Serially the creation itself would have failed with ENOSPC; a retry will say so.
            throw new XenstoreException(XsError.EAGAIN, "merged " + path + " over the node-size quota");
        }
        merged.put(path, result);
    }

    /**
     * The event as C fires it at commit ({@code fire_watches} with the node re-read after
     * commit and the permissions the transaction first saw): a watcher may see it if it can
     * read the node with those first permissions, or the node (or its parent) as committed;
     * a removed node has no committed version, so its parent does not count.
     */
    private ChangeEvent atCommit(ChangeEvent ev, boolean removed) {
        String path = ev.path();
        Node first = seen.get(path);
        Permissions firstPerms = first != null && first != DELETED ? first.perms() : null;
        Permissions old = ev.oldPerms() != null ? ev.oldPerms() : firstPerms;
        if (removed) {
            return new ChangeEvent(path, ev.exact(), old != null ? old : ev.nodePerms(), null, null);
        }
        Node now = store.peek(path);
        Node parent = path.equals("/") ? null : store.peek(io.jxen.xenstore.wire.XsPath.parent(path));
        return new ChangeEvent(path, ev.exact(), now != null ? now.perms() : ev.nodePerms(),
                parent != null ? parent.perms() : null, old);
    }

    /** Number of nodes this transaction has touched. */
    public int accessedNodes() {
        return accessed.size();
    }
}
