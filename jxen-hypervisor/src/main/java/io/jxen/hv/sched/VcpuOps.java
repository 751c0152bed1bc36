package io.jxen.hv.sched;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuRegisterRunstateMemoryAreaDescriptor;
import io.jxen.abi.vcpu.VcpuRegisterTimeMemoryAreaDescriptor;
import io.jxen.abi.vcpu.VcpuRegisterVcpuInfoDescriptor;
import io.jxen.abi.vcpu.VcpuRunstateInfoDescriptor;
import io.jxen.abi.vcpu.VcpuSetPeriodicTimerDescriptor;
import io.jxen.abi.vcpu.VcpuSetSingleshotTimerDescriptor;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuGuestContextDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.abi.xen.XenLimits;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.domain.VcpuContext;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.timekeeping.DomainTimekeeping;
import io.jxen.hv.timekeeping.VcpuTimerControl;
import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_vcpu_op} (xen/common/domain.c {@code common_vcpu_op}): initialise, up,
 * down, is_up, register_vcpu_info, get_runstate_info, register_runstate_memory_area and the
 * periodic and single-shot timers. vCPU 0 is initialised at creation (the domain builder's
 * context); the others only by {@code VCPUOP_initialise}, and {@code VCPUOP_up} refuses them
 * before that ({@code -EINVAL}), as Xen does.
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
            case VcpuOp.UP -> {
                // common_vcpu_op: "if ( !v->is_initialised ) rc = -EINVAL" -- a vCPU has no
                // context to run until VCPUOP_initialise gave it one (vCPU 0 has the builder's).
                if (!v.initialised()) {
                    yield -XenErrno.EINVAL;
                }
                v.setUp(true);
                yield 0;
            }
            case VcpuOp.DOWN -> {
                v.setUp(false);
                yield 0;
            }
            case VcpuOp.IS_UP -> v.isUp() ? 1 : 0;
            case VcpuOp.REGISTER_VCPU_INFO -> registerVcpuInfo(d, v, arg);
            case VcpuOp.INITIALISE -> initialise(d, v, arg);
            case VcpuOp.GET_RUNSTATE_INFO -> {
                // vcpu_runstate_get, then copy_to_guest (-EFAULT).
                d.guest().copyOut(arg, v.runstate().snapshot());
                yield 0;
            }
            case VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA -> registerRunstateArea(d, v, arg);
            case VcpuOp.REGISTER_VCPU_TIME_MEMORY_AREA -> registerTimeMemoryArea(d, v, arg);
            case VcpuOp.SET_PERIODIC_TIMER, VcpuOp.STOP_PERIODIC_TIMER, VcpuOp.SET_SINGLESHOT_TIMER,
                 VcpuOp.STOP_SINGLESHOT_TIMER -> timerOp(caller, v, (int) cmd, arg);
            default -> -XenErrno.ENOSYS;
        };
    }

    /**
     * The timer sub-ops (xen/common/domain.c {@code common_vcpu_op}, Xen 4.17): the periodic
     * timer of any vCPU of the domain may be set (period under 1 ms or above
     * {@code STIME_DELTA_MAX}: {@code -EINVAL}) or stopped; the single-shot timer only by the vCPU
     * itself ({@code v != current}: {@code -EINVAL}), the argument copied in after that check
     * ({@code -EFAULT}). Without host time every one is {@code -ENOSYS}.
     */
    static long timerOp(Vcpu caller, Vcpu v, int cmd, long arg) {
        DomainTimekeeping time = v.domain().timekeeping();
        if (time == null) {
            return -XenErrno.ENOSYS;
        }
        VcpuTimerControl timers = time.timers(v.id());
        return switch (cmd) {
            case VcpuOp.SET_PERIODIC_TIMER -> {
                MemorySegment s = v.domain().guest().copyIn(arg, VcpuSetPeriodicTimerDescriptor.SIZE);
                yield timers.setPeriodicTimer(Fields.u64(s, VcpuSetPeriodicTimerDescriptor.PERIOD_NS_OFFSET));
            }
            case VcpuOp.STOP_PERIODIC_TIMER -> timers.stopPeriodicTimer();
            case VcpuOp.SET_SINGLESHOT_TIMER -> {
                if (v != caller) {
                    yield -XenErrno.EINVAL;
                }
                MemorySegment s = v.domain().guest().copyIn(arg, VcpuSetSingleshotTimerDescriptor.SIZE);
                yield timers.setSingleshotTimer(Fields.u64(s, VcpuSetSingleshotTimerDescriptor.TIMEOUT_ABS_NS_OFFSET),
                        (int) Fields.u32(s, VcpuSetSingleshotTimerDescriptor.FLAGS_OFFSET));
            }
            default -> v != caller ? -XenErrno.EINVAL : timers.stopSingleshotTimer();
        };
    }

    /**
     * {@code __HYPERVISOR_set_timer_op(timeout)} (sched/core.c {@code do_set_timer_op}) for the
     * calling vCPU; {@code -ENOSYS} without host time.
     */
    public static long setTimerOp(Vcpu caller, long timeout) {
        DomainTimekeeping time = caller.domain().timekeeping();
        return time == null ? -XenErrno.ENOSYS : time.timers(caller.id()).setTimerOp(timeout);
    }

    /**
     * {@code VCPUOP_initialise} for a PV vCPU (domain.c; x86 {@code arch_initialise_vcpu}): a
     * vCPU whose vcpu_info is still the dummy (id 32 and up, not registered) is {@code -EINVAL};
     * the whole {@code vcpu_guest_context} is copied in ({@code -EFAULT}); an initialised vCPU
     * is {@code -EEXIST}. jxen keeps the fields of {@link VcpuContext}.
     */
    static long initialise(Domain d, Vcpu v, long arg) {
        if (v.id() >= XenLimits.XEN_LEGACY_MAX_VCPUS && !v.vcpuInfoRegistered()) {
            return -XenErrno.EINVAL;
        }
        MemorySegment c = d.guest().copyIn(arg, VcpuGuestContextDescriptor.SIZE);
        if (v.initialised()) {
            return -XenErrno.EEXIST;
        }
        v.initialise(new VcpuContext(Fields.u64(c, VcpuGuestContextDescriptor.FLAGS_OFFSET),
                Fields.u64(c, VcpuGuestContextDescriptor.USER_REGS_RIP_OFFSET),
                Fields.u64(c, VcpuGuestContextDescriptor.USER_REGS_RSP_OFFSET),
                Fields.u64(c, VcpuGuestContextDescriptor.KERNEL_SP_OFFSET),
                Fields.u64(c, VcpuGuestContextDescriptor.CTRLREG3_OFFSET)));
        return 0;
    }

    /**
     * {@code VCPUOP_register_runstate_memory_area} (domain.c): the argument is copied in
     * ({@code -EFAULT}); the area (a guest-physical address here, jxen guests being translated)
     * must be accessible for the whole {@code vcpu_runstate_info} ({@code guest_handle_okay},
     * {@code -EFAULT}); 0 forgets the area. The current info is written at once.
     */
    static long registerRunstateArea(Domain d, Vcpu v, long arg) {
        MemorySegment s = d.guest().copyIn(arg, VcpuRegisterRunstateMemoryAreaDescriptor.SIZE);
        long gpa = Fields.u64(s, VcpuRegisterRunstateMemoryAreaDescriptor.ADDR_OFFSET);
        if (gpa != 0 && !d.guest().accessible(gpa, VcpuRunstateInfoDescriptor.SIZE, true)) {
            return -XenErrno.EFAULT;
        }
        v.runstate().registerArea(gpa);
        return 0;
    }

    /**
     * {@code VCPUOP_register_vcpu_time_memory_area} (x86 {@code arch_do_vcpu_op}): the argument is
     * copied in ({@code -EFAULT}); the area must be writable guest memory for a whole
     * {@code vcpu_time_info} ({@code guest_handle_okay}, {@code -EFAULT}); it replaces any earlier
     * one, and address 0 (Linux's NULL, {@code xen_save_time_memory_area}) drops it. The time info
     * is published there at once ({@code force_update_vcpu_system_time}) and from then on with
     * every update of the master copy in {@code vcpu_info}, under the same version seqlock and
     * with the same flags ({@code update_secondary_system_time}), so a guest that sees
     * {@code XEN_PVCLOCK_TSC_STABLE_BIT} there may use it without cross-vCPU monotonicity checks.
     *
     * <p>Departure, stated: Xen 4.17 copies to the guest's virtual address on every update, so
     * any placement works; jxen keeps the frame (pinned, so the guest cannot give it back while
     * it is written) and so requires what Xen's newer {@code VCPUOP_register_vcpu_time_phys_area}
     * ({@code map_guest_area}) requires: the area within one page and 8-byte aligned, else
     * {@code -ENXIO}. Without host time there is nothing to publish: {@code -ENOSYS}.
     */
    long registerTimeMemoryArea(Domain d, Vcpu v, long arg) {
        MemorySegment s = d.guest().copyIn(arg, VcpuRegisterTimeMemoryAreaDescriptor.SIZE);
        long gpa = Fields.u64(s, VcpuRegisterTimeMemoryAreaDescriptor.ADDR_OFFSET);
        DomainTimekeeping time = d.timekeeping();
        if (time == null) {
            return -XenErrno.ENOSYS;
        }
        long mfn = -1;
        if (gpa != 0) {
            if (!d.guest().accessible(gpa, VcpuTimeInfoDescriptor.SIZE, true)) {
                return -XenErrno.EFAULT;
            }
            if ((gpa >>> XenPage.SHIFT) != ((gpa + VcpuTimeInfoDescriptor.SIZE - 1) >>> XenPage.SHIFT)
                    || (gpa & (VcpuTimeInfoDescriptor.ALIGNMENT - 1)) != 0) {
                return -XenErrno.ENXIO;
            }
            long entry = d.physMap().p2m().get(gpa >>> XenPage.SHIFT);
            if (P2mEntry.foreign(entry)) {
                return -XenErrno.EFAULT; // not the domain's RAM (a grant or a Xen page)
            }
            mfn = P2mEntry.mfn(entry);
        }
        long oldMfn = v.timeMemoryAreaMfn();
        if (oldMfn >= 0) {
            time.unregisterTimeArea(v.id(), memory.frame(oldMfn), v.timeMemoryAreaGpa() & (XenPage.SIZE - 1));
            d.physMap().unpin(oldMfn);
        }
        v.setTimeMemoryArea(0, -1);
        if (mfn >= 0) {
            d.physMap().pin(mfn);
            v.setTimeMemoryArea(gpa, mfn);
            time.registerTimeArea(v.id(), memory.frame(mfn), gpa & (XenPage.SIZE - 1));
        }
        return 0;
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
        MemorySegment info = d.guest().copyIn(arg, VcpuRegisterVcpuInfoDescriptor.SIZE);
        long gfn = Fields.u64(info, VcpuRegisterVcpuInfoDescriptor.MFN_OFFSET);
        long offset = Fields.u32(info, VcpuRegisterVcpuInfoDescriptor.OFFSET_OFFSET);
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
