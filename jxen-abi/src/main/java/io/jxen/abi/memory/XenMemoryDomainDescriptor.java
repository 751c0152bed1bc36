package io.jxen.abi.memory;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_memory_domain} of memory.h: argument of the reservation queries.
 */
public final class XenMemoryDomainDescriptor {

    /** Offset of {@code domid}: the domain. */
    @XenOffsetof(type = "struct xen_memory_domain", member = "domid")
    public static final int DOMID_OFFSET = 0;

    /** Bytes in {@code struct xen_memory_domain}. */
    @XenSizeof("struct xen_memory_domain")
    public static final int SIZE = 2;

    private XenMemoryDomainDescriptor() {
    }
}
