package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_info} of xen.h (x86_64): a vCPU's event and time state, 64 bytes, in
 * {@code shared_info} or wherever {@code VCPUOP_register_vcpu_info} placed it.
 *
 * <pre>
 *   0      1      2             8                    16                   24                 32                               64
 *   +------+------+-------------+--------------------+--------------------+------------------+--------------------------------+
 *   |upcall|upcall|   (pad)     | evtchn_pending_sel | arch.cr2           | arch.pad         | time (struct vcpu_time_info)   |
 *   |pend. |mask  |             | xen_ulong_t        |                    |                  | 32 bytes                       |
 *   +------+------+-------------+--------------------+--------------------+------------------+--------------------------------+
 * </pre>
 *
 * <p>Xen sets {@code evtchn_upcall_pending}; the guest clears it before scanning. A non-zero
 * {@code evtchn_upcall_mask} guarantees no upcall is delivered to that vCPU.
 */
public final class VcpuInfoDescriptor {

    /**
     * Offset of {@code evtchn_upcall_pending}: byte Xen sets to non-zero when an upcall is pending
     * (xen.h).
     */
    @XenOffsetof(type = "struct vcpu_info", member = "evtchn_upcall_pending")
    public static final int EVTCHN_UPCALL_PENDING_OFFSET = 0;

    /**
     * Offset of {@code evtchn_upcall_mask}: byte the guest sets to non-zero to hold off upcalls
     * (xen.h).
     */
    @XenOffsetof(type = "struct vcpu_info", member = "evtchn_upcall_mask")
    public static final int EVTCHN_UPCALL_MASK_OFFSET = 1;

    /**
     * Offset of {@code evtchn_pending_sel}: selector: bit {@code w} says word {@code w} of
     * {@code evtchn_pending} may have work (xen.h).
     */
    @XenOffsetof(type = "struct vcpu_info", member = "evtchn_pending_sel")
    public static final int EVTCHN_PENDING_SEL_OFFSET = 8;

    /** Offset of {@code arch}: the {@code struct arch_vcpu_info} (xen.h). */
    @XenOffsetof(type = "struct vcpu_info", member = "arch")
    public static final int ARCH_OFFSET = 16;

    /** Offset of {@code arch.cr2}: faulting address of the last page fault (PV) (xen.h). */
    @XenOffsetof(type = "struct vcpu_info", member = "arch.cr2")
    public static final int ARCH_CR2_OFFSET = 16;

    /**
     * Offset of {@code time}: the vCPU's {@code struct vcpu_time_info}; see
     * {@link VcpuTimeInfoDescriptor} (xen.h).
     */
    @XenOffsetof(type = "struct vcpu_info", member = "time")
    public static final int TIME_OFFSET = 32;

    /** Bytes in {@code struct vcpu_info} (xen.h). */
    @XenSizeof("struct vcpu_info")
    public static final int SIZE = 64;

    /** The C alignment of {@code struct vcpu_info}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct vcpu_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    /** Bytes in {@code struct arch_vcpu_info} (xen.h). */
    @XenSizeof("struct arch_vcpu_info")
    public static final int ARCH_SIZE = 16;

    private VcpuInfoDescriptor() {
    }
}
