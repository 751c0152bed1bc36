package io.jxen.abi.memory;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_memory_reservation} of memory.h (x86_64): argument of
 * {@code XENMEM_increase_reservation}, {@code decrease_reservation} and {@code populate_physmap}.
 */
public final class XenMemoryReservationDescriptor {

    /**
     * Offset of {@code extent_start}: guest handle of the {@code xen_pfn_t} array of extents
     * (memory.h).
     */
    @XenOffsetof(type = "struct xen_memory_reservation", member = "extent_start")
    public static final int EXTENT_START_OFFSET = 0;

    /** Offset of {@code nr_extents}: extents in the array (memory.h). */
    @XenOffsetof(type = "struct xen_memory_reservation", member = "nr_extents")
    public static final int NR_EXTENTS_OFFSET = 8;

    /** Offset of {@code extent_order}: log2 of pages per extent (memory.h). */
    @XenOffsetof(type = "struct xen_memory_reservation", member = "extent_order")
    public static final int EXTENT_ORDER_OFFSET = 16;

    /** Offset of {@code mem_flags}: {@code XENMEMF_*} flags and address bits (memory.h). */
    @XenOffsetof(type = "struct xen_memory_reservation", member = "mem_flags")
    public static final int MEM_FLAGS_OFFSET = 20;

    /** Offset of {@code domid}: the domain (memory.h). */
    @XenOffsetof(type = "struct xen_memory_reservation", member = "domid")
    public static final int DOMID_OFFSET = 24;

    /** Bytes in {@code struct xen_memory_reservation} (memory.h). */
    @XenSizeof("struct xen_memory_reservation")
    public static final int SIZE = 32;

    /**
     * The C alignment of {@code struct xen_memory_reservation}: where a view of it may start
     * (memory.h).
     */
    @XenConstant(value = "_Alignof(struct xen_memory_reservation)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private XenMemoryReservationDescriptor() {
    }
}
