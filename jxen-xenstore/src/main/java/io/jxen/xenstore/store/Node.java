package io.jxen.xenstore.store;

import java.util.List;

/**
 * One node, immutable: a copy is made for every change, so a transaction can hold
 * versions without affecting the committed tree.
 *
 * @param value      the value bytes (never mutated after construction)
 * @param perms      the permission list
 * @param children   child names in creation order (C xenstored's order)
 * @param generation the store generation of the last committed change of this node
 */
public record Node(byte[] value, Permissions perms, List<String> children, long generation) {

    private static final byte[] EMPTY = new byte[0];

    /** Copies the child list (unless it is already an immutable {@link ChildNames}). */
    public Node {
        children = ChildNames.copyOf(children);
    }

    /**
     * A childless node.
     *
     * @param value the value
     * @param perms the permissions
     * @return the node, generation 0
     */
    public static Node leaf(byte[] value, Permissions perms) {
        return new Node(value == null ? EMPTY : value, perms, List.of(), 0);
    }

    /** The same node with another value. */
    Node withValue(byte[] v) {
        return new Node(v, perms, children, generation);
    }

    /** The same node with other permissions. */
    Node withPerms(Permissions p) {
        return new Node(value, p, children, generation);
    }

    /** The same node with another generation. */
    Node withGeneration(long g) {
        return new Node(value, perms, children, g);
    }

    /** The same node with one more child at the end. */
    Node withChild(String name) {
        return new Node(value, perms, names().plus(name), generation);
    }

    /** The same node without the named child. */
    Node withoutChild(String name) {
        return new Node(value, perms, names().minus(name), generation);
    }

    private ChildNames names() {
        return (ChildNames) children;
    }

    /** Bytes of the NUL-separated child list (C's {@code childlen}). */
    public int childListBytes() {
        return names().byteLength();
    }

    /**
     * The child names, each followed by a NUL: the DIRECTORY reply payload, cached per
     * version. Shared: the caller must not modify it.
     */
    public byte[] childListPayload() {
        return names().payload();
    }

    /**
     * Size of C xenstored's stored record, which the {@code node-size} quota limits: the
     * header ({@code struct xs_tdb_record_hdr}: a uint64 generation and three uint32, padded
     * to 24 bytes), 8 bytes per permission, the value and the child list.
     */
    public int recordSize() {
        return 24 + 8 * perms.entries().size() + value.length + childListBytes();
    }
}
