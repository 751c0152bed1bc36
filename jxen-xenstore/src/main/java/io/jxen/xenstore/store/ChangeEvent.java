package io.jxen.xenstore.store;

/**
 * A change that fires watches (C xenstored's {@code fire_watches} arguments).
 *
 * @param path        absolute path of the changed node
 * @param exact       true: only watches on exactly this path fire (descendants of a removed
 *                    subtree); false: watches on the path and its ancestors fire
 * @param nodePerms   the node's permissions at the change (null if unknown: read at firing)
 * @param parentPerms the parent's permissions at the change (null if none)
 * @param oldPerms    the node's permissions before a SET_PERMS, or null
 */
public record ChangeEvent(String path, boolean exact, Permissions nodePerms, Permissions parentPerms,
                          Permissions oldPerms) {

    /**
     * XSA-115: whether a caller may see this event: it can read the node (with the old or
     * the new permissions) or its parent.
     *
     * @param caller the watching connection's identity
     * @return true if the event may be delivered
     */
    public boolean visibleTo(Caller caller) {
        if (caller.privileged()) {
            return true;
        }
        if (oldPerms != null && oldPerms.rightsOf(caller).read()) {
            return true;
        }
        if (nodePerms != null && nodePerms.rightsOf(caller).read()) {
            return true;
        }
        return parentPerms != null && parentPerms.rightsOf(caller).read();
    }
}
