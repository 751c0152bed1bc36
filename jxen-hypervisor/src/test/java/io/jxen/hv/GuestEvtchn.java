package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnBindIpiDescriptor;
import io.jxen.abi.evtchn.EvtchnBindPirqDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVcpuDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVirqDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnStatusDescriptor;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.XenPage;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;

/**
 * The guest side of event channels, as a test guest would write it: structures written into
 * guest memory with Xen's layout, one hypercall, results read back. Each call returns the
 * hypercall's negative errno, or the OUT port.
 */
final class GuestEvtchn {

    static final long ARG = TestHost.Guest.ARG;

    private final Hypercalls hc;
    private final GuestPhysicalMemory mem;
    private final long sharedInfoGpa;

    GuestEvtchn(TestHost.Guest g) {
        this.hc = g.hc();
        this.mem = g.mem();
        this.sharedInfoGpa = g.domain().sharedInfoGfn() << XenPage.SHIFT;
    }

    GuestEvtchn(Hypercalls hc, TestHost.Guest g) {
        this.hc = hc;
        this.mem = g.mem();
        this.sharedInfoGpa = g.domain().sharedInfoGfn() << XenPage.SHIFT;
    }

    private long op(int cmd) {
        return hc.hypercall(Hypercall.EVENT_CHANNEL_OP, cmd, ARG);
    }

    private long orPort(long rc, int portOffset) {
        return rc < 0 ? rc : Integer.toUnsignedLong(mem.getInt(ARG + portOffset));
    }

    long allocUnbound(int dom, int remoteDom) {
        mem.zero(ARG, 64);
        mem.putShort(ARG + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) dom);
        mem.putShort(ARG + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) remoteDom);
        return orPort(op(EvtchnOp.ALLOC_UNBOUND), EvtchnAllocUnboundDescriptor.PORT_OFFSET);
    }

    long bindInterdomain(int remoteDom, long remotePort) {
        mem.zero(ARG, 64);
        mem.putShort(ARG + EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, (short) remoteDom);
        mem.putInt(ARG + EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, (int) remotePort);
        return orPort(op(EvtchnOp.BIND_INTERDOMAIN), EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
    }

    long bindVirq(int virq, int vcpu) {
        mem.zero(ARG, 64);
        mem.putInt(ARG + EvtchnBindVirqDescriptor.VIRQ_OFFSET, virq);
        mem.putInt(ARG + EvtchnBindVirqDescriptor.VCPU_OFFSET, vcpu);
        return orPort(op(EvtchnOp.BIND_VIRQ), EvtchnBindVirqDescriptor.PORT_OFFSET);
    }

    long bindIpi(int vcpu) {
        mem.zero(ARG, 64);
        mem.putInt(ARG + EvtchnBindIpiDescriptor.VCPU_OFFSET, vcpu);
        return orPort(op(EvtchnOp.BIND_IPI), EvtchnBindIpiDescriptor.PORT_OFFSET);
    }

    long bindPirq(int pirq) {
        mem.zero(ARG, 64);
        mem.putInt(ARG + EvtchnBindPirqDescriptor.PIRQ_OFFSET, pirq);
        return orPort(op(EvtchnOp.BIND_PIRQ), EvtchnBindPirqDescriptor.PORT_OFFSET);
    }

    long close(long port) {
        mem.putInt(ARG, (int) port);
        return op(EvtchnOp.CLOSE);
    }

    long send(long port) {
        mem.putInt(ARG, (int) port);
        return op(EvtchnOp.SEND);
    }

    long unmask(long port) {
        mem.putInt(ARG, (int) port);
        return op(EvtchnOp.UNMASK);
    }

    long reset(int dom) {
        mem.putShort(ARG, (short) dom);
        return op(EvtchnOp.RESET);
    }

    long bindVcpu(long port, long vcpu) {
        mem.putInt(ARG + EvtchnBindVcpuDescriptor.PORT_OFFSET, (int) port);
        mem.putInt(ARG + EvtchnBindVcpuDescriptor.VCPU_OFFSET, (int) vcpu);
        return op(EvtchnOp.BIND_VCPU);
    }

    long setPriority(long port, int priority) {
        mem.putInt(ARG, (int) port);
        mem.putInt(ARG + 4, priority);
        return op(EvtchnOp.SET_PRIORITY);
    }

    /** Status of {@code port} of {@code dom}: {@code {rc, status, vcpu, u0 (u16 or u32), u1}}. */
    long[] status(int dom, long port) {
        mem.zero(ARG, 64);
        mem.putShort(ARG + EvtchnStatusDescriptor.DOM_OFFSET, (short) dom);
        mem.putInt(ARG + EvtchnStatusDescriptor.PORT_OFFSET, (int) port);
        long rc = op(EvtchnOp.STATUS);
        return new long[] {rc, mem.getInt(ARG + EvtchnStatusDescriptor.STATUS_OFFSET),
            mem.getInt(ARG + EvtchnStatusDescriptor.VCPU_OFFSET),
            mem.getInt(ARG + EvtchnStatusDescriptor.U_OFFSET),
            mem.getInt(ARG + EvtchnStatusDescriptor.U_INTERDOMAIN_PORT_OFFSET)};
    }

    // ---- the guest's view of the 2-level bitmaps ----

    boolean pending(long port) {
        long word = mem.getLong(sharedInfoGpa + SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (port / 64) * 8);
        return (word & (1L << (port % 64))) != 0;
    }

    void clearPending(long port) {
        long at = sharedInfoGpa + SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (port / 64) * 8;
        mem.putLong(at, mem.getLong(at) & ~(1L << (port % 64)));
    }

    boolean masked(long port) {
        long word = mem.getLong(sharedInfoGpa + SharedInfoDescriptor.EVTCHN_MASK_OFFSET + (port / 64) * 8);
        return (word & (1L << (port % 64))) != 0;
    }

    void setMask(long port, boolean masked) {
        long at = sharedInfoGpa + SharedInfoDescriptor.EVTCHN_MASK_OFFSET + (port / 64) * 8;
        long bit = 1L << (port % 64);
        mem.putLong(at, masked ? mem.getLong(at) | bit : mem.getLong(at) & ~bit);
    }

    long vcpuInfoGpa(int vcpu) {
        return sharedInfoGpa + SharedInfoDescriptor.VCPU_INFO_OFFSET + (long) vcpu * VcpuInfoDescriptor.SIZE;
    }

    boolean upcallPending(int vcpu) {
        return mem.getByte(vcpuInfoGpa(vcpu) + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET) != 0;
    }

    void clearUpcallPending(int vcpu) {
        mem.putByte(vcpuInfoGpa(vcpu) + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
    }

    long pendingSel(int vcpu) {
        return mem.getLong(vcpuInfoGpa(vcpu) + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET);
    }

    void clearPendingSel(int vcpu) {
        mem.putLong(vcpuInfoGpa(vcpu) + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET, 0);
    }
}
