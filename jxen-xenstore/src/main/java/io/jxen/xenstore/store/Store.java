package io.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The committed tree: a map from absolute path to {@link Node}, a global generation counter
 * stamped on every committed change (the basis of transaction conflict checks and of
 * DIRECTORY_PART's {@code gencnt}), and per-owner node counts for the {@code nodes} quota.
 */
public final class Store implements NodeTable {

    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Integer, Integer> ownedNodes = new HashMap<>();
    /** C's per-owner node memory ({@link #memoryOf}), for the {@code memory} quota. */
    private final Map<Integer, Long> ownedMemory = new HashMap<>();
    private long generation;
    private Consumer<ChangeEvent> changeListener = e -> { };
    /** Committed changes since {@link #beginCapture()}, for the journal; null when not capturing. */
    private List<Mutation> captured;

    /**
     * A committed change of one node, as the journal records it.
     *
     * @param path the node
     * @param node its new content, or null when it was removed
     */
    public record Mutation(String path, Node node) {
    }

    /**
     * A store holding the tree C xenstored 4.17 starts with: {@code /}, {@code /tool} and
     * {@code /tool/xenstored}, all owned by dom0 with {@code n0}.
     */
    public Store() {
        put("/", new Node(new byte[0], Permissions.DOM0_ONLY, List.of("tool"), 0));
        put("/tool", new Node(new byte[0], Permissions.DOM0_ONLY, List.of("xenstored"), 0));
        put("/tool/xenstored", Node.leaf(new byte[0], Permissions.DOM0_ONLY));
    }

    /**
     * Where committed changes are reported (the watch machinery).
     *
     * @param listener receives every change of the committed tree
     */
    public void onChange(Consumer<ChangeEvent> listener) {
        this.changeListener = listener;
    }

    @Override
    public Node get(String path) {
        return nodes.get(path);
    }

    @Override
    public Node peek(String path) {
        return nodes.get(path);
    }

    @Override
    public void put(String path, Node node) {
        Node stamped = node.withGeneration(++generation);
        if (captured != null) {
            captured.add(new Mutation(path, stamped));
        }
        Node old = nodes.put(path, stamped);
        if (old != null) {
            ownedNodes.merge(old.perms().owner(), -1, Integer::sum);
            ownedMemory.merge(old.perms().owner(), -memoryOf(path, old), Long::sum);
        }
        ownedNodes.merge(stamped.perms().owner(), 1, Integer::sum);
        ownedMemory.merge(stamped.perms().owner(), memoryOf(path, stamped), Long::sum);
    }

    @Override
    public void remove(String path) {
        Node old = nodes.remove(path);
        if (old != null) {
            ownedNodes.merge(old.perms().owner(), -1, Integer::sum);
            ownedMemory.merge(old.perms().owner(), -memoryOf(path, old), Long::sum);
            generation++;
            if (captured != null) {
                captured.add(new Mutation(path, null));
            }
        }
    }

    /** Starts recording committed changes (the journal brackets each request with this). */
    public void beginCapture() {
        captured = new ArrayList<>();
    }

    /**
     * Stops recording.
     *
     * @return the changes since {@link #beginCapture()}, in order (empty if none)
     */
    public List<Mutation> endCapture() {
        List<Mutation> out = captured == null ? List.of() : captured;
        captured = null;
        return out;
    }

    /**
     * Replaces the whole tree (journal replay of a snapshot), firing nothing.
     *
     * @param all every node by path, including {@code /}
     */
    public void replaceAll(Map<String, Node> all) {
        if (!all.containsKey("/")) {
            throw new IllegalArgumentException("a snapshot without /");
        }
        nodes.clear();
        ownedNodes.clear();
        ownedMemory.clear();
        for (Map.Entry<String, Node> e : all.entrySet()) {
            put(e.getKey(), e.getValue());
        }
    }

    /**
     * Applies a journaled change, firing nothing.
     *
     * @param m the change
     */
    public void apply(Mutation m) {
        if (m.node() == null) {
            remove(m.path());
        } else {
            put(m.path(), m.node());
        }
    }

    /** Every node by path (a snapshot: the map is a copy, the nodes are immutable). */
    public Map<String, Node> snapshot() {
        return new HashMap<>(nodes);
    }

    @Override
    public int nodesOwnedBy(int domid) {
        return ownedNodes.getOrDefault(domid, 0);
    }

    /**
     * Bytes C xenstored 4.17 accounts to the owner of the nodes it owns ({@code do_tdb_write}:
     * the key, i.e. the path, plus the record), for the {@code memory} quota.
     *
     * @param domid owner
     * @return the bytes
     */
    public long memoryOwnedBy(int domid) {
        return ownedMemory.getOrDefault(domid, 0L);
    }

    @Override
    public void changed(ChangeEvent event) {
        changeListener.accept(event);
    }

    /**
     * XSA-322/417: a dead domain's entries in permission lists (after the owner's) are
     * removed, so a new domain reusing its id inherits no access. Fires no watches, as C's
     * stale-permission handling does not; the nodes' generations move on.
     *
     * @param domid the dead domain
     * @return how many nodes changed
     */
    public int forgetDomain(int domid) {
        List<Map.Entry<String, Node>> changed = new ArrayList<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            List<Perm> entries = e.getValue().perms().entries();
            boolean names = false;
            for (int i = 1; i < entries.size() && !names; i++) {
                names = entries.get(i).domid() == domid;
            }
            if (names) {
                List<Perm> kept = new ArrayList<>(entries.size());
                kept.add(entries.getFirst());
                for (int i = 1; i < entries.size(); i++) {
                    if (entries.get(i).domid() != domid) {
                        kept.add(entries.get(i));
                    }
                }
                changed.add(Map.entry(e.getKey(), e.getValue().withPerms(new Permissions(kept))));
            }
        }
        for (Map.Entry<String, Node> e : changed) {
            put(e.getKey(), e.getValue());
        }
        return changed.size();
    }

    /** The generation of the last committed change. */
    public long generation() {
        return generation;
    }

    /** Number of nodes. */
    public int size() {
        return nodes.size();
    }

    /**
     * Checks the tree's invariants (C's {@code check} control command): every node's children
     * exist, every node but the root is listed by its parent, owner node counts and memory
     * match a recount.
     *
     * @return the problems found, empty when consistent
     */
    public List<String> check() {
        List<String> problems = new ArrayList<>();
        Map<Integer, Integer> counts = new HashMap<>();
        Map<Integer, Long> bytes = new HashMap<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            String path = e.getKey();
            counts.merge(e.getValue().perms().owner(), 1, Integer::sum);
            bytes.merge(e.getValue().perms().owner(), memoryOf(path, e.getValue()), Long::sum);
            for (String c : e.getValue().children()) {
                String cp = path.equals("/") ? "/" + c : path + "/" + c;
                if (!nodes.containsKey(cp)) {
                    problems.add("missing child " + cp);
                }
            }
            if (!path.equals("/")) {
                int slash = path.lastIndexOf('/');
                String parent = slash == 0 ? "/" : path.substring(0, slash);
                Node p = nodes.get(parent);
                if (p == null || !p.children().contains(path.substring(slash + 1))) {
                    problems.add("orphan " + path);
                }
            }
        }
        for (Map.Entry<Integer, Integer> e : ownedNodes.entrySet()) {
            if (e.getValue() != 0 && !e.getValue().equals(counts.get(e.getKey()))) {
                problems.add("owner count of dom" + e.getKey() + " is " + e.getValue());
            }
        }
        for (Map.Entry<Integer, Long> e : ownedMemory.entrySet()) {
            if (e.getValue() != 0 && !e.getValue().equals(bytes.get(e.getKey()))) {
                problems.add("memory of dom" + e.getKey() + " is " + e.getValue() + ", recounted " + bytes.get(e.getKey()));
            }
        }
        return problems;
    }
}
