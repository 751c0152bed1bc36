package io.jxen.hv.domain;

import io.jxen.abi.xen.DomId;

/** Finds live domains by id, as Xen's {@code rcu_lock_domain_by_id}. */
public interface DomainLookup {

    /** Every live domain, in id order (a snapshot). */
    java.util.List<Domain> all();

    /** The domain with id {@code domid}, or null. */
    Domain byId(int domid);

    /**
     * Xen's {@code rcu_lock_domain_by_any_id}: {@code DOMID_SELF} means the caller.
     *
     * @return the domain, or null
     */
    default Domain byAnyId(int domid, Domain caller) {
        return domid == DomId.SELF ? caller : byId(domid);
    }

    /**
     * The dummy XSM policy's {@code XSM_TARGET} check (xsm/dummy.h): a domain may act on
     * itself; a privileged domain on any.
     *
     * @return 0 or {@code -EPERM}
     */
    static int xsmTarget(Domain caller, Domain target) {
        return caller == target || caller.privileged() ? 0 : -io.jxen.abi.XenErrno.EPERM;
    }
}
