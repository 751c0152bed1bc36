package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct arch_shared_info} of arch-x86/xen.h, the tail of {@code shared_info} (x86_64):
 * the anchors of the guest's p2m that save/restore and dom0 tools read.
 */
public final class ArchSharedInfoDescriptor {

    /** Offset of {@code max_pfn}: number of valid p2m entries (arch-x86/xen.h). */
    @XenOffsetof(type = "struct arch_shared_info", member = "max_pfn")
    public static final int MAX_PFN_OFFSET = 0;

    /**
     * Offset of {@code pfn_to_mfn_frame_list_list}: frame of the list of frames of p2m frames; 0
     * unset, ~0 invalid (arch-x86/xen.h).
     */
    @XenOffsetof(type = "struct arch_shared_info", member = "pfn_to_mfn_frame_list_list")
    public static final int PFN_TO_MFN_FRAME_LIST_LIST_OFFSET = 8;

    /** Offset of {@code nmi_reason}: NMI reason bits (arch-x86/xen.h). */
    @XenOffsetof(type = "struct arch_shared_info", member = "nmi_reason")
    public static final int NMI_REASON_OFFSET = 16;

    /**
     * Offset of {@code p2m_cr3}: cr3 (folded frame number) the linear p2m is valid in; 0 when not
     * used (arch-x86/xen.h).
     */
    @XenOffsetof(type = "struct arch_shared_info", member = "p2m_cr3")
    public static final int P2M_CR3_OFFSET = 24;

    /** Offset of {@code p2m_vaddr}: virtual address of the linear p2m list (arch-x86/xen.h). */
    @XenOffsetof(type = "struct arch_shared_info", member = "p2m_vaddr")
    public static final int P2M_VADDR_OFFSET = 32;

    /**
     * Offset of {@code p2m_generation}: generation count of the p2m mappings: odd during an update
     * (arch-x86/xen.h).
     */
    @XenOffsetof(type = "struct arch_shared_info", member = "p2m_generation")
    public static final int P2M_GENERATION_OFFSET = 40;

    /** Bytes in {@code struct arch_shared_info} (arch-x86/xen.h). */
    @XenSizeof("struct arch_shared_info")
    public static final int SIZE = 48;

    /**
     * The C alignment of {@code struct arch_shared_info}: where a view of it may start
     * (arch-x86/xen.h).
     */
    @XenConstant(value = "_Alignof(struct arch_shared_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private ArchSharedInfoDescriptor() {
    }
}
