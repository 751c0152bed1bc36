package io.jxen.hv.sched;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.XenLimits;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hypercall.P2mEntry;
import io.jxen.hypercall.abi.VcpuAbi;
import io.jxen.memory.MachineMemory;
import io.jxen.memory.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_vcpu_op} (xen/common/domain.c {@code common_vcpu_op}): up, down,
 * is_up and register_vcpu_info. Every jxen vCPU is initialised at creation (its "context" is
 * the guest's Java code), so {@code VCPUOP_up} always succeeds.
 */
public final class VcpuOps {

    private final MachineMemory memory;

    /** @param memory machine memory, to reach the page a vcpu_info is registered in */
    public VcpuOps(MachineMemory memory) {
        this.memory = memory;
    }

    /** Dispatches {@code VCPUOP cmd} for vCPU {@code vcpuId} of the caller's domain. */
    public long hypercall(Vcpu caller, long cmd, long vcpuId, long arg) {
        // do_vcpu_op(int cmd, unsigned int vcpuid, arg)
        Domain d = caller.domain();
        Vcpu v = d.vcpu(vcpuId & 0xFFFF_FFFFL);
        if (v == null) {
            return -XenErrno.ENOENT;
        }
        return switch ((int) cmd) {
            case VcpuAbi.UP -> {
                v.setUp(true);
                yield 0;
            }
            case VcpuAbi.DOWN -> {
                v.setUp(false);
                yield 0;
            }
            case VcpuAbi.IS_UP -> v.isUp() ? 1 : 0;
            case VcpuAbi.REGISTER_VCPU_INFO -> registerVcpuInfo(d, v, arg);
            default -> -XenErrno.ENOSYS;
        };
    }

    /**
     * {@code VCPUOP_register_vcpu_info} (domain.c:2288-2316, {@code map_guest_area}): an
     * address that does not round-trip is {@code -EINVAL}; a second registration
     * {@code -EBUSY}; an area crossing a page or not 8-byte aligned {@code -ENXIO}; an unmapped
     * GFN {@code -EINVAL}; a read-only one {@code -EACCES}. The current contents move to the new
     * place, then every selector bit and {@code evtchn_upcall_pending} are set so no event is
     * lost ("the domain will get a spurious event, but it can cope").
     */
    long registerVcpuInfo(Domain d, Vcpu v, long arg) {
        MemorySegment info = d.guest().copyIn(arg, VcpuAbi.REGISTER_VCPU_INFO_SIZE);
        long gfn = Fields.u64(info, VcpuAbi.REGISTER_VCPU_INFO_MFN);
        long offset = Fields.u32(info, VcpuAbi.REGISTER_VCPU_INFO_OFFSET);
        long gaddr = (gfn << XenPage.SHIFT) + offset;
        if (gaddr == -1L || (gaddr >>> XenPage.SHIFT) != gfn || gfn < 0) {
            return -XenErrno.EINVAL;
        }
        if (v.vcpuInfoRegistered()) {
            return -XenErrno.EBUSY;
        }
        if ((gaddr >>> XenPage.SHIFT) != ((gaddr + VcpuInfoDescriptor.SIZE - 1) >>> XenPage.SHIFT)
                || (gaddr & (XenLimits.XEN_ULONG_SIZE - 1)) != 0) {
            return -XenErrno.ENXIO;
        }
        long entry = d.physMap().p2m().get(gfn);
        if (!P2mEntry.present(entry)) {
            return -XenErrno.EINVAL;
        }
        if (P2mEntry.readOnly(entry) || P2mEntry.foreign(entry)) {
            return -XenErrno.EACCES;
        }
        d.physMap().pin(P2mEntry.mfn(entry));
        MemorySegment area = memory.frame(P2mEntry.mfn(entry)).asSlice(offset, VcpuInfoDescriptor.SIZE);
        MemorySegment.copy(v.vcpuInfo(), 0, area, 0, VcpuInfoDescriptor.SIZE);
        v.registerVcpuInfo(area);
        OrderedAccess.setLongVolatile(area, VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET,
                SharedInfoDescriptor.EVTCHN_WORDS == 64 ? -1L : (1L << SharedInfoDescriptor.EVTCHN_WORDS) - 1);
        v.markEventsPending();
        return 0;
    }
}
