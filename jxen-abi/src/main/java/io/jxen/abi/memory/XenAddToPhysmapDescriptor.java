package io.jxen.abi.memory;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_add_to_physmap} of memory.h (x86_64): argument of {@code XENMEM_add_to_physmap}.
 */
public final class XenAddToPhysmapDescriptor {

    /** Offset of {@code domid}: the domain (memory.h). */
    @XenOffsetof(type = "struct xen_add_to_physmap", member = "domid")
    public static final int DOMID_OFFSET = 0;

    /** Offset of {@code size}: pages for {@code XENMAPSPACE_gmfn_range} (memory.h). */
    @XenOffsetof(type = "struct xen_add_to_physmap", member = "size")
    public static final int SIZE_OFFSET = 2;

    /** Offset of {@code space}: A {@code XENMAPSPACE_*} (memory.h). */
    @XenOffsetof(type = "struct xen_add_to_physmap", member = "space")
    public static final int SPACE_OFFSET = 4;

    /** Offset of {@code idx}: index in the space (memory.h). */
    @XenOffsetof(type = "struct xen_add_to_physmap", member = "idx")
    public static final int IDX_OFFSET = 8;

    /** Offset of {@code gpfn}: guest frame to map it at (memory.h). */
    @XenOffsetof(type = "struct xen_add_to_physmap", member = "gpfn")
    public static final int GPFN_OFFSET = 16;

    /** Bytes in {@code struct xen_add_to_physmap} (memory.h). */
    @XenSizeof("struct xen_add_to_physmap")
    public static final int SIZE = 24;

    /**
     * The C alignment of {@code struct xen_add_to_physmap}: where a view of it may start
     * (memory.h).
     */
    @XenConstant(value = "_Alignof(struct xen_add_to_physmap)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private XenAddToPhysmapDescriptor() {
    }
}
