package io.jxen.abi.memory;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_memory_domain} of memory.h: argument of the reservation queries.
 */
public final class XenMemoryDomainDescriptor {

    /** Offset of {@code domid}: the domain (memory.h). */
    @XenOffsetof(type = "struct xen_memory_domain", member = "domid")
    public static final int DOMID_OFFSET = 0;

    /** Bytes in {@code struct xen_memory_domain} (memory.h). */
    @XenSizeof("struct xen_memory_domain")
    public static final int SIZE = 2;

    /**
     * The C alignment of {@code struct xen_memory_domain}: where a view of it may start
     * (memory.h).
     */
    @XenConstant(value = "_Alignof(struct xen_memory_domain)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 2;

    private XenMemoryDomainDescriptor() {
    }
}
