package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * The shared-info page, {@code struct shared_info} of xen.h (x86_64 layout): one per domain,
 * written by Xen (event bits, wallclock, time) and by the guest (masks, selectors, p2m anchors).
 *
 * <pre>
 *  offset                                                         size
 *       0 +------------------------------------------------------+
 *         | vcpu_info[0]   (struct vcpu_info, 64 bytes)          |   64
 *      64 | vcpu_info[1]                                         |
 *         | ...            XEN_LEGACY_MAX_VCPUS = 32 entries     |
 *    2048 +------------------------------------------------------+
 *         | evtchn_pending[64]  xen_ulong_t: 4096 pending bits    |  512
 *    2560 +------------------------------------------------------+
 *         | evtchn_mask[64]     xen_ulong_t: 4096 mask bits       |  512
 *    3072 +-------------+------------+-------------+-------------+
 *         | wc_version  | wc_sec     | wc_nsec     | wc_sec_hi   |   16
 *    3088 +-------------+------------+-------------+-------------+
 *         | arch: max_pfn, pfn_to_mfn_frame_list_list,           |   48
 *         |       nmi_reason, p2m_cr3, p2m_vaddr, p2m_generation |
 *    3136 +------------------------------------------------------+
 *         | (rest of the 4096-byte page unused)                  |
 *    4096 +------------------------------------------------------+
 * </pre>
 *
 * <p>Port {@code p} is pending when bit {@code p % 64} of {@code evtchn_pending[p / 64]} is
 * set; the word index is also the bit that Xen sets in a vCPU's {@code evtchn_pending_sel}.
 * {@code wc_*} follow the same odd/even version protocol as {@code vcpu_time_info}.
 */
public final class SharedInfoDescriptor {

    /**
     * Offset of {@code vcpu_info}: first {@code vcpu_info}; vCPU {@code n} is at
     * {@code VCPU_INFO_OFFSET + n * VcpuInfoDescriptor.SIZE} (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "vcpu_info")
    public static final int VCPU_INFO_OFFSET = 0;

    /** Offset of {@code vcpu_info[1]}: second {@code vcpu_info}: proves the stride (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "vcpu_info[1]")
    public static final int VCPU_INFO_1_OFFSET = 64;

    /**
     * Offset of {@code evtchn_pending}: the 2-level ABI's pending bitmap, {@code xen_ulong_t}
     * words (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "evtchn_pending")
    public static final int EVTCHN_PENDING_OFFSET = 2048;

    /**
     * Offset of {@code evtchn_mask}: the 2-level ABI's mask bitmap, {@code xen_ulong_t} words
     * (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "evtchn_mask")
    public static final int EVTCHN_MASK_OFFSET = 2560;

    /** Offset of {@code wc_version}: wallclock version: odd while Xen updates {@code wc_*} (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "wc_version")
    public static final int WC_VERSION_OFFSET = 3072;

    /**
     * Offset of {@code wc_sec}: wallclock seconds since the epoch at system time 0, low 32 bits
     * (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "wc_sec")
    public static final int WC_SEC_OFFSET = 3076;

    /** Offset of {@code wc_nsec}: wallclock nanoseconds (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "wc_nsec")
    public static final int WC_NSEC_OFFSET = 3080;

    /**
     * Offset of {@code wc_sec_hi}: wallclock seconds, high 32 bits (x86_64; in {@code arch} on
     * x86_32) (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "wc_sec_hi")
    public static final int WC_SEC_HI_OFFSET = 3084;

    /**
     * Offset of {@code arch}: the {@code struct arch_shared_info}; see
     * {@link ArchSharedInfoDescriptor} (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "arch")
    public static final int ARCH_OFFSET = 3088;

    /** Offset of {@code arch.max_pfn}: entries in the guest's p2m (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "arch.max_pfn")
    public static final int ARCH_MAX_PFN_OFFSET = 3088;

    /**
     * Offset of {@code arch.pfn_to_mfn_frame_list_list}: frame of the p2m's three-level frame list
     * (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "arch.pfn_to_mfn_frame_list_list")
    public static final int ARCH_PFN_TO_MFN_FRAME_LIST_LIST_OFFSET = 3096;

    /** Offset of {@code arch.nmi_reason}: NMI reason bits (xen/nmi.h) (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "arch.nmi_reason")
    public static final int ARCH_NMI_REASON_OFFSET = 3104;

    /**
     * Offset of {@code arch.p2m_cr3}: cr3 of the address space the linear p2m is mapped in
     * (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "arch.p2m_cr3")
    public static final int ARCH_P2M_CR3_OFFSET = 3112;

    /** Offset of {@code arch.p2m_vaddr}: virtual address of the linear p2m list (xen.h). */
    @XenOffsetof(type = "struct shared_info", member = "arch.p2m_vaddr")
    public static final int ARCH_P2M_VADDR_OFFSET = 3120;

    /**
     * Offset of {@code arch.p2m_generation}: p2m generation count: odd while the guest updates
     * mappings (xen.h).
     */
    @XenOffsetof(type = "struct shared_info", member = "arch.p2m_generation")
    public static final int ARCH_P2M_GENERATION_OFFSET = 3128;

    /** Bytes in {@code struct shared_info} (xen.h). */
    @XenSizeof("struct shared_info")
    public static final int SIZE = 3136;

    /** The C alignment of {@code struct shared_info}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct shared_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    /**
     * Words in {@code evtchn_pending} and in {@code evtchn_mask}: {@code sizeof(xen_ulong_t) * 8}
     * (xen.h).
     */
    @XenConstant(value = "sizeof(((struct shared_info *)0)->evtchn_pending) / sizeof(xen_ulong_t)", abi = XenAbi.X86_64)
    public static final int EVTCHN_WORDS = 64;

    private SharedInfoDescriptor() {
    }
}
