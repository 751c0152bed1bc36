package io.jxen.xenstore.store;

/**
 * Who performs an operation: the connection's domain, whether it is privileged (dom0 and
 * socket connections), and the domain it may act for after SET_TARGET (-1 for none).
 *
 * @param domid      caller's domain
 * @param privileged true for the control domain: full access, exempt from most quotas
 * @param target     domain whose nodes the caller may treat as its own, or -1
 */
public record Caller(int domid, boolean privileged, int target) {

    /** A privileged dom0 caller, as every Unix-socket connection is. */
    public static final Caller DOM0 = new Caller(0, true, -1);

    /**
     * An unprivileged guest.
     *
     * @param domid its domain id
     * @return the caller
     */
    public static Caller guest(int domid) {
        return new Caller(domid, false, -1);
    }
}
