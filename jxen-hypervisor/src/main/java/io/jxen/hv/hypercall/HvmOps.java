package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.abi.hvm.HvmOp;
import io.jxen.abi.hvm.HvmParam;
import io.jxen.abi.hvm.XenHvmParamDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.timekeeping.HvmTimers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code __HYPERVISOR_hvm_op} (xen/arch/x86/hvm/hvm.c {@code do_hvm_op}), the part jxen has:
 * {@code HVMOP_set_param} and {@code HVMOP_get_param} on an HVM/PVH domain, and the registry of
 * each such domain's emulated platform timers.
 *
 * <p>The rules are Xen's: the {@code struct xen_hvm_param} is copied in once
 * ({@code -EFAULT}); an unknown domain is {@code -ESRCH}; a domain other than the caller needs a
 * privileged caller ({@code -EPERM}, XSM's {@code XSM_TARGET}); a PV target is {@code -EINVAL};
 * {@code index >= HVM_NR_PARAMS} is {@code -EINVAL}; a guest may set only the parameters
 * {@code hvm_allow_set_param} lets it (the callback IRQ, the event channels, a few others) and
 * read only those {@code hvm_allow_get_param} lets it (callback IRQ, store and console pages and
 * ports): the timer mode and the HPET switch belong to the toolstack ({@code -EPERM} for the
 * guest itself). {@code HVM_PARAM_TIMER_MODE} above {@code HVMPTM_one_missed_tick_pending} and
 * {@code HVM_PARAM_HPET_ENABLED} other than 0/1 are {@code -EINVAL}. Other parameters are
 * stored and read back, as Xen's {@code d->arch.hvm.params[]}. Any other op is {@code -ENOSYS}.
 */
public final class HvmOps {

    private final DomainLookup domains;
    private final Map<Domain, State> hvm = new ConcurrentHashMap<>();

    private record State(HvmTimers timers, long[] params) {
    }

    /** @param domains resolves {@code domid} (and {@code DOMID_SELF}) */
    public HvmOps(DomainLookup domains) {
        this.domains = domains;
    }

    /** Makes {@code d} an HVM domain with these platform timers. */
    public void attach(Domain d, HvmTimers timers) {
        long[] params = new long[HvmParam.NR_PARAMS];
        params[HvmParam.TIMER_MODE] = timers.getParam(HvmParam.TIMER_MODE);
        params[HvmParam.HPET_ENABLED] = timers.getParam(HvmParam.HPET_ENABLED);
        hvm.put(d, new State(timers, params));
    }

    /** Forgets {@code d} (destroyed). */
    public void detach(Domain d) {
        hvm.remove(d);
    }

    /** {@code d}'s platform timers, or null for a PV domain. */
    public HvmTimers timers(Domain d) {
        State s = hvm.get(d);
        return s == null ? null : s.timers;
    }

    /** Runs {@code hvm_op(op, arg)} for {@code caller} (hypervisor lock held). */
    public long hypercall(Vcpu caller, long op, long arg) {
        if (op != HvmOp.SET_PARAM && op != HvmOp.GET_PARAM) {
            return -XenErrno.ENOSYS;
        }
        MemorySegment a = caller.domain().guest().copyIn(arg, XenHvmParamDescriptor.SIZE);
        int domid = Fields.u16(a, XenHvmParamDescriptor.DOMID_OFFSET);
        long index = Fields.u32(a, XenHvmParamDescriptor.INDEX_OFFSET);
        long value = Fields.u64(a, XenHvmParamDescriptor.VALUE_OFFSET);
        Domain target = domains.byAnyId(domid, caller.domain());
        if (target == null) {
            return -XenErrno.ESRCH;
        }
        boolean self = target == caller.domain();
        if (!self && !caller.domain().privileged()) {
            return -XenErrno.EPERM;
        }
        State s = hvm.get(target);
        if (s == null) {
            return -XenErrno.EINVAL; // is_hvm_domain(d) fails
        }
        if (index >= HvmParam.NR_PARAMS) {
            return -XenErrno.EINVAL;
        }
        int i = (int) index;
        if (op == HvmOp.SET_PARAM) {
            if (self && !guestMaySet(i)) {
                return -XenErrno.EPERM;
            }
            if (s.timers.ownsParam(i)) {
                int rc = s.timers.setParam(i, value);
                if (rc != 0) {
                    return rc;
                }
            }
            synchronized (s) {
                s.params[i] = value;
            }
            return 0;
        }
        if (self && !guestMayGet(i)) {
            return -XenErrno.EPERM;
        }
        long v;
        if (s.timers.ownsParam(i)) {
            v = s.timers.getParam(i);
        } else {
            synchronized (s) {
                v = s.params[i];
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(XenHvmParamDescriptor.SIZE);
            MemorySegment.copy(a, 0, out, 0, XenHvmParamDescriptor.SIZE);
            Fields.put64(out, XenHvmParamDescriptor.VALUE_OFFSET, v);
            caller.domain().guest().copyOut(arg, out);
        }
        return 0;
    }

    // hvm_allow_set_param: "The following parameters can be set by the guest."
    private static boolean guestMaySet(int index) {
        return switch (index) {
            case HvmParam.CALLBACK_IRQ, HvmParam.VM86_TSS, HvmParam.VM86_TSS_SIZED,
                 HvmParam.ACPI_IOPORTS_LOCATION, HvmParam.VM_GENERATION_ID_ADDR, HvmParam.STORE_EVTCHN,
                 HvmParam.CONSOLE_EVTCHN, HvmParam.X87_FIP_WIDTH -> true;
            default -> false;
        };
    }

    // hvm_allow_get_param: "The following parameters can be read by the guest."
    private static boolean guestMayGet(int index) {
        return switch (index) {
            case HvmParam.CALLBACK_IRQ, HvmParam.STORE_PFN, HvmParam.STORE_EVTCHN, HvmParam.CONSOLE_PFN,
                 HvmParam.CONSOLE_EVTCHN, HvmParam.ALTP2M -> true;
            default -> false;
        };
    }
}
