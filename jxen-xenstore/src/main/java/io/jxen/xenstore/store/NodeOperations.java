package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsPath;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The node operations of docs/misc/xenstore.txt, written once against a {@link NodeTable}
 * so the same code serves plain requests and transactions. Rules follow C xenstored 4.17:
 * <ul>
 *   <li>a missing node reports ENOENT only when the nearest existing ancestor grants the
 *       caller the access it asked for, EACCES otherwise ({@code errno_from_parents});</li>
 *   <li>writing creates missing parents; a new node copies its parent's permissions, and an
 *       unprivileged creator becomes its owner ({@code construct_node});</li>
 *   <li>removing fires an exact event for every removed descendant (children first) and an
 *       ordinary one for the removed node ({@code delete_node});</li>
 *   <li>quotas ({@code nodes}, {@code node-size}, {@code permissions}) bind unprivileged
 *       callers only, and a failed check changes nothing.</li>
 * </ul>
 * Paths given here are absolute and already validated.
 */
public final class NodeOperations {

    private final Quotas quotas;
    private final IntPredicate domainExists;
    private final MemoryQuota memory;

    /**
     * @param quotas       limits for unprivileged callers
     * @param domainExists whether a domain id may own nodes (SET_PERMS owner check)
     */
    public NodeOperations(Quotas quotas, IntPredicate domainExists) {
        this(quotas, domainExists, MemoryQuota.NONE);
    }

    /**
     * @param quotas       limits for unprivileged callers
     * @param domainExists whether a domain id may own nodes (SET_PERMS owner check)
     * @param memory       the per-domain memory quota, checked for every node written
     */
    public NodeOperations(Quotas quotas, IntPredicate domainExists, MemoryQuota memory) {
        this.quotas = quotas;
        this.domainExists = domainExists;
        this.memory = memory;
    }

    /**
     * Charges for node writes, in C's order ({@code do_tdb_write}: the replaced version is
     * uncharged from its domain, then the new one charged to its domain with the check), so a
     * multi-node change is checked node by node against what it already added.
     */
    private final class Charges {
        private final NodeTable t;
        private final java.util.Map<Integer, Long> pending = new java.util.HashMap<>();

        Charges(NodeTable t) {
            this.t = t;
        }

        void write(String path, Node replaced, Node written) throws XenstoreException {
            if (replaced != null) {
                pending.merge(t.chargedDomain(replaced), -t.memoryOf(path, replaced), Long::sum);
            }
            int domid = t.chargedDomain(written);
            long add = t.memoryOf(path, written);
            memory.check(domid, pending.getOrDefault(domid, 0L) + add);
            pending.merge(domid, add, Long::sum);
        }
    }

    /**
     * READ.
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @return the value
     * @throws XenstoreException ENOENT, EACCES
     */
    public byte[] read(NodeTable t, Caller caller, String path) throws XenstoreException {
        return getChecked(t, caller, path, Rights.Need.READ).value();
    }

    /**
     * The node, if the caller may read it (DIRECTORY, DIRECTORY_PART, GET_PERMS).
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @return the node
     * @throws XenstoreException ENOENT, EACCES
     */
    public Node readable(NodeTable t, Caller caller, String path) throws XenstoreException {
        return getChecked(t, caller, path, Rights.Need.READ);
    }

    /**
     * WRITE: sets the value, creating the node and missing parents. Fires a watch even when
     * the value is unchanged.
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @param value  the new value (owned by the store from now on)
     * @throws XenstoreException EACCES, ENOSPC
     */
    public void write(NodeTable t, Caller caller, String path, byte[] value) throws XenstoreException {
        Node n = t.get(path);
        if (n == null) {
            checkCreatable(t, caller, path);
            create(t, caller, path, value);
            return;
        }
        if (!n.perms().rightsOf(caller).write()) {
            throw denied(t, caller, path, Rights.Need.WRITE);
        }
        Node changed = n.withValue(value);
        checkSize(caller, changed);
        new Charges(t).write(path, t.chargedVersion(path), changed);
        t.put(path, changed);
        t.changed(new ChangeEvent(path, false, changed.perms(), parentPerms(t, path), null));
    }

    /**
     * MKDIR: creates the node with an empty value if it does not exist; an existing node
     * stays untouched and no watch fires.
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @throws XenstoreException EACCES, ENOSPC
     */
    public void mkdir(NodeTable t, Caller caller, String path) throws XenstoreException {
        Node n = t.get(path);
        if (n != null) {
            if (!n.perms().rightsOf(caller).write()) {
                throw denied(t, caller, path, Rights.Need.WRITE);
            }
            return;
        }
        checkCreatable(t, caller, path);
        create(t, caller, path, new byte[0]);
    }

    /**
     * RM: removes the node and its subtree. A missing node whose parent exists is fine.
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @throws XenstoreException EINVAL for "/", ENOENT when the parent is missing too, EACCES
     */
    public void rm(NodeTable t, Caller caller, String path) throws XenstoreException {
        Node n = t.get(path);
        if (n == null) {
            XsError e = errnoFromParents(t, caller, path, Rights.Need.WRITE);
            if (e == XsError.ENOENT && t.getAncestor(XsPath.parent(path)) != null) {
                return;
            }
            throw new XenstoreException(e);
        }
        if (!n.perms().rightsOf(caller).write()) {
            throw denied(t, caller, path, Rights.Need.WRITE);
        }
        if (path.equals("/")) {
            throw new XenstoreException(XsError.EINVAL, "cannot remove /");
        }
        String parentPath = XsPath.parent(path);
        Node parent = t.getAncestor(parentPath);
        if (parent == null) {
            throw new XenstoreException(XsError.EINVAL, "parent of " + path + " missing");
        }
        if (!parent.children().contains(XsPath.baseName(path))) {
            // Only inside a transaction, whose parent version predates the node's creation
            // outside: C xenstored answers EIO. This answer depends on the parent's child
            // list, so the parent is read in full: the commit then fails with EAGAIN.
            t.get(parentPath);
            throw new XenstoreException(XsError.EIO, "parent does not list " + path);
        }
        removeSubtree(t, path, n, parent.perms());
        t.putChildList(parentPath, parent.withoutChild(XsPath.baseName(path)), XsPath.baseName(path), false);
    }

    /**
     * Children first, iteratively (XSA-418: no recursion a deep tree can exhaust). The whole
     * subtree is collected before anything changes, so a failure leaves the table untouched.
     */
    private static void removeSubtree(NodeTable t, String rootPath, Node root, Permissions rootParentPerms)
            throws XenstoreException {
        record Frame(String path, Node node, Permissions parentPerms, int[] next) {
        }
        List<Frame> order = new ArrayList<>();
        java.util.Set<String> visited = new java.util.HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(rootPath, root, rootParentPerms, new int[1]));
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            List<String> children = f.node().children();
            if (f.next()[0] < children.size()) {
                String childPath = XsPath.child(f.path(), children.get(f.next()[0]++));
                Node child = t.get(childPath);
                if (child == null || !visited.add(childPath)) {
                    // Only in a transaction mixing versions (the committed tree is always
                    // consistent), where a child may be missing or listed twice: C xenstored
                    // answers EIO, and the commit would fail with EAGAIN anyway.
                    throw new XenstoreException(XsError.EIO, "listed child " + childPath + " missing");
                }
                stack.push(new Frame(childPath, child, f.node().perms(), new int[1]));
                continue;
            }
            order.add(stack.pop());
        }
        for (int i = 0; i < order.size(); i++) {
            Frame f = order.get(i);
            boolean isRoot = i == order.size() - 1;
            t.changed(new ChangeEvent(f.path(), !isRoot, f.node().perms(), f.parentPerms(), null));
            t.remove(f.path());
        }
    }

    /**
     * SET_PERMS on a node.
     *
     * @param t      store or transaction
     * @param caller who asks
     * @param path   absolute path
     * @param perms  the new list
     * @throws XenstoreException ENOSPC (too many entries), ENOENT (owner domain unknown or no
     *                           node), EACCES (not owner), EPERM (unprivileged owner change)
     */
    public void setPerms(NodeTable t, Caller caller, String path, Permissions perms) throws XenstoreException {
        checkPermsQuota(caller, perms);
        Node n = getChecked(t, caller, path, Rights.Need.OWNER);
        if (!caller.privileged() && perms.owner() != n.perms().owner()) {
            throw new XenstoreException(XsError.EPERM, "only the control domain may change the owner");
        }
        Node changed = n.withPerms(perms);
        checkSize(caller, changed);
        new Charges(t).write(path, t.chargedVersion(path), changed);
        t.put(path, changed);
        t.changed(new ChangeEvent(path, false, perms, parentPerms(t, path), n.perms()));
    }

    /**
     * The checks SET_PERMS makes on the list itself before looking at the node.
     *
     * @param caller who asks
     * @param perms  the new list
     * @throws XenstoreException ENOSPC over the permissions quota, ENOENT for an unknown owner
     */
    public void checkPermsQuota(Caller caller, Permissions perms) throws XenstoreException {
        if (!caller.privileged() && perms.entries().size() > quotas.permissions()) {
            throw new XenstoreException(XsError.ENOSPC, "permissions quota");
        }
        if (!domainExists.test(perms.owner())) {
            throw new XenstoreException(XsError.ENOENT, "owner domain does not exist");
        }
    }

    private Node getChecked(NodeTable t, Caller caller, String path, Rights.Need need) throws XenstoreException {
        Node n = t.get(path);
        if (n == null) {
            throw new XenstoreException(errnoFromParents(t, caller, path, need));
        }
        if (!n.perms().rightsOf(caller).allows(need)) {
            throw denied(t, caller, path, need);
        }
        return n;
    }

    /**
     * EACCES for an existing node the caller may not use. C's {@code get_node} still asks the
     * parents (its errno hiding), which inside a transaction records them as read: so must we,
     * or a transaction would miss conflicts C reports.
     */
    private static XenstoreException denied(NodeTable t, Caller caller, String path, Rights.Need need)
            throws XenstoreException {
        errnoFromParents(t, caller, path, need);
        return new XenstoreException(XsError.EACCES);
    }

    /** ENOENT if the nearest existing ancestor grants the needed access, else EACCES. */
    private static XsError errnoFromParents(NodeTable t, Caller caller, String path, Rights.Need need)
            throws XenstoreException {
        String p = path;
        Node ancestor = null;
        while (!p.equals("/") && ancestor == null) {
            p = XsPath.parent(p);
            ancestor = t.getAncestor(p);
        }
        if (ancestor == null) {
            return XsError.EACCES;
        }
        Rights r = ancestor.perms().rightsOf(caller);
        boolean granted = need == Rights.Need.READ ? r.read() : r.write();
        return granted ? XsError.ENOENT : XsError.EACCES;
    }

    private static void checkCreatable(NodeTable t, Caller caller, String path) throws XenstoreException {
        XsError e = errnoFromParents(t, caller, path, Rights.Need.WRITE);
        if (e != XsError.ENOENT) {
            throw new XenstoreException(e);
        }
    }

    /** Creates {@code path} and its missing ancestors; all checks happen before any change. */
    private void create(NodeTable t, Caller caller, String path, byte[] value) throws XenstoreException {
        List<String> missing = new ArrayList<>();
        String p = path;
        Node existing = null;
        while (existing == null) {
            missing.add(p);
            p = XsPath.parent(p);
            existing = t.getAncestor(p);
        }
        checkNodeQuota(t, caller, missing.size());
        String parentPath = p;
        Node parent = existing;
        List<String> paths = new ArrayList<>();
        List<Node> made = new ArrayList<>();
        for (int i = missing.size() - 1; i >= 0; i--) {
            String childPath = missing.get(i);
            Permissions perms = caller.privileged() ? parent.perms() : parent.perms().withOwner(caller.domid());
            Node child = Node.leaf(i == 0 ? value : new byte[0], perms);
            Node grown = parent.withChild(XsPath.baseName(childPath));
            checkSize(caller, child);
            checkSize(caller, grown);
            paths.add(parentPath);
            made.add(grown);
            parentPath = childPath;
            parent = child;
        }
        paths.add(parentPath);
        made.add(parent);
        // C writes the new nodes deepest first, then the existing parent's new child list.
        Charges charges = new Charges(t);
        for (int i = paths.size() - 1; i >= 0; i--) {
            charges.write(paths.get(i), i == 0 ? t.chargedVersion(paths.get(i)) : null, made.get(i));
        }
        // The existing parent only gains a child: a transaction merges that at commit.
        t.putChildList(paths.getFirst(), made.getFirst(), XsPath.baseName(paths.get(1)), true);
        for (int i = 1; i < paths.size(); i++) {
            t.put(paths.get(i), made.get(i));
        }
        t.changed(new ChangeEvent(path, false, parent.perms(), made.size() > 1 ? made.get(made.size() - 2).perms() : null,
                null));
    }

    private void checkNodeQuota(NodeTable t, Caller caller, int newNodes) throws XenstoreException {
        if (!caller.privileged() && t.nodesOwnedBy(caller.domid()) + newNodes > quotas.nodes()) {
            throw new XenstoreException(XsError.ENOSPC, "nodes quota");
        }
    }

    private void checkSize(Caller caller, Node n) throws XenstoreException {
        if (!caller.privileged() && n.recordSize() >= quotas.nodeSize()) {
            throw new XenstoreException(XsError.ENOSPC, "node-size quota");
        }
    }

    private static Permissions parentPerms(NodeTable t, String path) {
        if (path.equals("/")) {
            return null;
        }
        Node parent = t.peek(XsPath.parent(path));
        return parent == null ? null : parent.perms();
    }
}
