package io.jxen.abi.memory;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_remove_from_physmap} of memory.h (x86_64): argument of {@code XENMEM_remove_from_physmap}.
 */
public final class XenRemoveFromPhysmapDescriptor {

    /** Offset of {@code domid}: the domain (memory.h). */
    @XenOffsetof(type = "struct xen_remove_from_physmap", member = "domid")
    public static final int DOMID_OFFSET = 0;

    /** Offset of {@code gpfn}: the guest frame to unmap (memory.h). */
    @XenOffsetof(type = "struct xen_remove_from_physmap", member = "gpfn")
    public static final int GPFN_OFFSET = 8;

    /** Bytes in {@code struct xen_remove_from_physmap} (memory.h). */
    @XenSizeof("struct xen_remove_from_physmap")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct xen_remove_from_physmap}: where a view of it may start
     * (memory.h).
     */
    @XenConstant(value = "_Alignof(struct xen_remove_from_physmap)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private XenRemoveFromPhysmapDescriptor() {
    }
}
