package io.jxen.host.toolstack;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;

/**
 * The toolstack's privileged hypercalls, issued as dom0 (what libxc does through Linux's
 * privcmd): arguments are written into one page of dom0's memory that the toolstack owns, the
 * hypercall is made on dom0's vCPU 0, results are read back. One call at a time.
 */
public final class Privcmd {

    private final Hypercalls dom0;
    private final GuestPhysicalMemory memory;
    private final long bufferGpa;

    /**
     * @param dom0      dom0's hypercalls (vCPU 0)
     * @param memory    dom0's memory
     * @param bufferGpa guest-physical address of a page of dom0 reserved for these calls
     */
    public Privcmd(Hypercalls dom0, GuestPhysicalMemory memory, long bufferGpa) {
        this.dom0 = dom0;
        this.memory = memory;
        this.bufferGpa = bufferGpa;
    }

    /**
     * dom0's privcmd, with the page just below dom0's start_info as its buffer (a page the
     * host reserves for the toolstack when it builds dom0).
     *
     * @throws IllegalStateException if dom0 does not exist yet
     */
    public static Privcmd forDom0(io.jxen.hv.Hypervisor hv) {
        io.jxen.hv.domain.Domain dom0 = hv.byId(0);
        if (dom0 == null) {
            throw new IllegalStateException("dom0 does not exist: create it before the toolstack");
        }
        long bufferGpa = (dom0.startInfoGfn() - 1) << io.jxen.abi.XenPage.SHIFT;
        return new Privcmd(hv.hypercalls(0, 0), hv.platform(0).memory(), bufferGpa);
    }

    /**
     * {@code EVTCHNOP_alloc_unbound}: a port in {@code dom} that {@code remoteDom} may bind
     * (the xenstore and console ports libxl allocates in a new guest for dom0).
     *
     * @return the new port in {@code dom}
     * @throws ToolstackException with Xen's errno if the hypervisor refuses
     */
    public synchronized int allocUnbound(int dom, int remoteDom) throws ToolstackException {
        memory.zero(bufferGpa, EvtchnAllocUnboundDescriptor.SIZE);
        memory.putShort(bufferGpa + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) dom);
        memory.putShort(bufferGpa + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) remoteDom);
        long rc = dom0.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, bufferGpa);
        if (rc != 0) {
            throw new ToolstackException("EVTCHNOP_alloc_unbound in d" + dom + " for d" + remoteDom + " failed: " + rc);
        }
        return memory.getInt(bufferGpa + EvtchnAllocUnboundDescriptor.PORT_OFFSET);
    }

    /**
     * {@code HVMOP_set_param} on {@code dom} ({@code xc_hvm_param_set}), e.g. the timer mode
     * libxl sets for an HVM guest.
     *
     * @throws ToolstackException with Xen's errno if the hypervisor refuses
     */
    public synchronized void setHvmParam(int dom, int index, long value) throws ToolstackException {
        memory.zero(bufferGpa, io.jxen.abi.hvm.XenHvmParamDescriptor.SIZE);
        memory.putShort(bufferGpa + io.jxen.abi.hvm.XenHvmParamDescriptor.DOMID_OFFSET, (short) dom);
        memory.putInt(bufferGpa + io.jxen.abi.hvm.XenHvmParamDescriptor.INDEX_OFFSET, index);
        memory.putLong(bufferGpa + io.jxen.abi.hvm.XenHvmParamDescriptor.VALUE_OFFSET, value);
        long rc = dom0.hypercall(Hypercall.HVM_OP, io.jxen.abi.hvm.HvmOp.SET_PARAM, bufferGpa);
        if (rc != 0) {
            throw new ToolstackException("HVMOP_set_param(" + index + ", " + value + ") on d" + dom + " failed: " + rc);
        }
    }
}
