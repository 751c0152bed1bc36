package io.jxen.abi.memory;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_memory_op} (memory.h {@code XENMEM_*}).
 */
public final class XenMem {

    /** memory.h {@code XENMEM_increase_reservation} (memory.h). */
    @XenConstant("XENMEM_increase_reservation")
    public static final int INCREASE_RESERVATION = 0;

    /** memory.h {@code XENMEM_decrease_reservation} (memory.h). */
    @XenConstant("XENMEM_decrease_reservation")
    public static final int DECREASE_RESERVATION = 1;

    /** memory.h {@code XENMEM_maximum_ram_page} (memory.h). */
    @XenConstant("XENMEM_maximum_ram_page")
    public static final int MAXIMUM_RAM_PAGE = 2;

    /** memory.h {@code XENMEM_current_reservation} (memory.h). */
    @XenConstant("XENMEM_current_reservation")
    public static final int CURRENT_RESERVATION = 3;

    /** memory.h {@code XENMEM_maximum_reservation} (memory.h). */
    @XenConstant("XENMEM_maximum_reservation")
    public static final int MAXIMUM_RESERVATION = 4;

    /** memory.h {@code XENMEM_machphys_mfn_list} (memory.h). */
    @XenConstant("XENMEM_machphys_mfn_list")
    public static final int MACHPHYS_MFN_LIST = 5;

    /** memory.h {@code XENMEM_populate_physmap} (memory.h). */
    @XenConstant("XENMEM_populate_physmap")
    public static final int POPULATE_PHYSMAP = 6;

    /** memory.h {@code XENMEM_add_to_physmap} (memory.h). */
    @XenConstant("XENMEM_add_to_physmap")
    public static final int ADD_TO_PHYSMAP = 7;

    /** memory.h {@code XENMEM_memory_map} (memory.h). */
    @XenConstant("XENMEM_memory_map")
    public static final int MEMORY_MAP = 9;

    /** memory.h {@code XENMEM_machine_memory_map} (memory.h). */
    @XenConstant("XENMEM_machine_memory_map")
    public static final int MACHINE_MEMORY_MAP = 10;

    /** memory.h {@code XENMEM_exchange} (memory.h). */
    @XenConstant("XENMEM_exchange")
    public static final int EXCHANGE = 11;

    /** memory.h {@code XENMEM_machphys_mapping} (memory.h). */
    @XenConstant("XENMEM_machphys_mapping")
    public static final int MACHPHYS_MAPPING = 12;

    /** memory.h {@code XENMEM_set_memory_map} (memory.h). */
    @XenConstant("XENMEM_set_memory_map")
    public static final int SET_MEMORY_MAP = 13;

    /** memory.h {@code XENMEM_maximum_gpfn} (memory.h). */
    @XenConstant("XENMEM_maximum_gpfn")
    public static final int MAXIMUM_GPFN = 14;

    /** memory.h {@code XENMEM_remove_from_physmap} (memory.h). */
    @XenConstant("XENMEM_remove_from_physmap")
    public static final int REMOVE_FROM_PHYSMAP = 15;

    /** memory.h {@code XENMEM_set_pod_target} (memory.h). */
    @XenConstant("XENMEM_set_pod_target")
    public static final int SET_POD_TARGET = 16;

    /** memory.h {@code XENMEM_get_pod_target} (memory.h). */
    @XenConstant("XENMEM_get_pod_target")
    public static final int GET_POD_TARGET = 17;

    /** memory.h {@code XENMEM_get_sharing_freed_pages} (memory.h). */
    @XenConstant("XENMEM_get_sharing_freed_pages")
    public static final int GET_SHARING_FREED_PAGES = 18;

    /** memory.h {@code XENMEM_get_sharing_shared_pages} (memory.h). */
    @XenConstant("XENMEM_get_sharing_shared_pages")
    public static final int GET_SHARING_SHARED_PAGES = 19;

    /** memory.h {@code XENMEM_paging_op} (memory.h). */
    @XenConstant("XENMEM_paging_op")
    public static final int PAGING_OP = 20;

    /** memory.h {@code XENMEM_access_op} (memory.h). */
    @XenConstant("XENMEM_access_op")
    public static final int ACCESS_OP = 21;

    /** memory.h {@code XENMEM_sharing_op} (memory.h). */
    @XenConstant("XENMEM_sharing_op")
    public static final int SHARING_OP = 22;

    /** memory.h {@code XENMEM_add_to_physmap_batch} (memory.h). */
    @XenConstant("XENMEM_add_to_physmap_batch")
    public static final int ADD_TO_PHYSMAP_BATCH = 23;

    /** memory.h {@code XENMEM_claim_pages} (memory.h). */
    @XenConstant("XENMEM_claim_pages")
    public static final int CLAIM_PAGES = 24;

    /** memory.h {@code XENMEM_machphys_compat_mfn_list} (memory.h). */
    @XenConstant("XENMEM_machphys_compat_mfn_list")
    public static final int MACHPHYS_COMPAT_MFN_LIST = 25;

    /** memory.h {@code XENMEM_get_vnumainfo} (memory.h). */
    @XenConstant("XENMEM_get_vnumainfo")
    public static final int GET_VNUMAINFO = 26;

    /** memory.h {@code XENMEM_reserved_device_memory_map} (memory.h). */
    @XenConstant("XENMEM_reserved_device_memory_map")
    public static final int RESERVED_DEVICE_MEMORY_MAP = 27;

    /** memory.h {@code XENMEM_acquire_resource} (memory.h). */
    @XenConstant("XENMEM_acquire_resource")
    public static final int ACQUIRE_RESOURCE = 28;

    /** {@code mem_flags}: populate on demand: {@code XENMEMF_populate_on_demand} (memory.h). */
    @XenConstant("XENMEMF_populate_on_demand")
    public static final int MEMF_POPULATE_ON_DEMAND = 0x10000;

    /**
     * {@code mem_flags}: the NUMA node is a requirement: {@code XENMEMF_exact_node_request}
     * (memory.h).
     */
    @XenConstant("XENMEMF_exact_node_request")
    public static final int MEMF_EXACT_NODE_REQUEST = 0x20000;

    /** {@code mem_flags}: the node is virtual: {@code XENMEMF_vnode} (memory.h). */
    @XenConstant("XENMEMF_vnode")
    public static final int MEMF_VNODE = 0x40000;

    private XenMem() {
    }
}
