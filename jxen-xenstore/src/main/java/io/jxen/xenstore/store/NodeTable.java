package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;

/**
 * Where operations find and change nodes: the committed {@link Store} itself, or a
 * {@link Transaction} layered over it.
 */
public interface NodeTable {

    /**
     * The node at an absolute path, or null.
     *
     * @param path absolute path
     * @return the node or null
     * @throws XenstoreException ENOSPC when a transaction touches too many nodes
     */
    Node get(String path) throws XenstoreException;

    /**
     * The node at an absolute path, or null, read only as the ancestor of a node being
     * created, removed or judged (its existence and permissions matter, not its value or
     * child list): the parent whose child list a creation or removal changes, and the
     * ancestors {@code errno_from_parents} consults. A transaction checks only those two
     * things at commit, unless it reads the node in full too (see {@link Transaction}).
     *
     * @param path absolute path
     * @return the node or null
     * @throws XenstoreException ENOSPC when a transaction touches too many nodes
     */
    default Node getAncestor(String path) throws XenstoreException {
        return get(path);
    }

    /**
     * Stores a parent whose only change is one child added or removed (by a creation or
     * removal below it); a transaction replays that change on the committed parent.
     *
     * @param path  absolute path of the parent
     * @param node  the parent as it is now in this table
     * @param child the child's name
     * @param added true for a new child, false for a removed one
     */
    default void putChildList(String path, Node node, String child, boolean added) {
        put(path, node);
    }

    /**
     * The node at an absolute path, or null, without counting as an access: a transaction
     * does not remember it for conflict checks (used for the permissions a watch event needs).
     *
     * @param path absolute path
     * @return the node or null
     */
    Node peek(String path);

    /**
     * Stores a node (new or changed).
     *
     * @param path absolute path
     * @param node the node
     */
    void put(String path, Node node);

    /**
     * Removes one node (not its children, which the caller removes first).
     *
     * @param path absolute path
     */
    void remove(String path);

    /**
     * Number of nodes the domain owns, as this table sees them.
     *
     * @param domid owner
     * @return the count
     */
    int nodesOwnedBy(int domid);

    /**
     * Records that a change of {@code path} must fire watches: at once for the store, at
     * commit for a transaction.
     *
     * @param event the change
     */
    void changed(ChangeEvent event);

    /**
     * Bytes C xenstored's memory accounting charges for storing {@code node} at {@code path}
     * here ({@code do_tdb_write}: key plus record).
     *
     * @param path absolute path
     * @param node the node
     * @return the bytes
     */
    default long memoryOf(String path, Node node) {
        return path.length() + (long) node.recordSize();
    }

    /**
     * The domain charged for {@code node} stored here: its owner in the store, the
     * transaction's domain for a transaction's private copy (C's {@code get_acc_domid}).
     *
     * @param node the node
     * @return the domain
     */
    default int chargedDomain(Node node) {
        return node.perms().owner();
    }

    /**
     * The version of {@code path} currently charged in this table, which a write replaces:
     * the committed node for the store, the transaction's own copy (if any) for a transaction.
     *
     * @param path absolute path
     * @return the node or null
     */
    default Node chargedVersion(String path) {
        return peek(path);
    }
}
