package io.jxen.hypercall.abi;

/**
 * memory.h: {@code XENMEM_*} commands and {@code struct xen_memory_reservation}. Move to jxen-abi.
 */
public final class MemoryAbi {

    /** {@code XENMEM_increase_reservation}. */
    public static final int INCREASE_RESERVATION = 0;
    /** {@code XENMEM_decrease_reservation}. */
    public static final int DECREASE_RESERVATION = 1;
    /** {@code XENMEM_maximum_ram_page}. */
    public static final int MAXIMUM_RAM_PAGE = 2;
    /** {@code XENMEM_current_reservation}. */
    public static final int CURRENT_RESERVATION = 3;
    /** {@code XENMEM_maximum_reservation}. */
    public static final int MAXIMUM_RESERVATION = 4;
    /** {@code XENMEM_populate_physmap}. */
    public static final int POPULATE_PHYSMAP = 6;
    /** {@code XENMEM_maximum_gpfn}. */
    public static final int MAXIMUM_GPFN = 14;

    /** {@code XENMEMF_populate_on_demand}. */
    public static final int XENMEMF_POPULATE_ON_DEMAND = 1 << 16;

    /** {@code struct xen_memory_reservation}: {@code extent_start} (guest handle of xen_pfn_t). */
    public static final int RESERVATION_EXTENT_START = 0;
    /** {@code nr_extents} (xen_ulong_t). */
    public static final int RESERVATION_NR_EXTENTS = 8;
    /** {@code extent_order} (unsigned int). */
    public static final int RESERVATION_EXTENT_ORDER = 16;
    /** {@code mem_flags} (unsigned int). */
    public static final int RESERVATION_MEM_FLAGS = 20;
    /** {@code domid} (domid_t). */
    public static final int RESERVATION_DOMID = 24;
    /** {@code sizeof(struct xen_memory_reservation)}. */
    public static final int RESERVATION_SIZE = 32;

    private MemoryAbi() {
    }
}
