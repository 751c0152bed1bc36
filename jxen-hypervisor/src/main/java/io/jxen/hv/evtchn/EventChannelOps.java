package io.jxen.hv.evtchn;

import io.jxen.abi.XenErrno;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnBindIpiDescriptor;
import io.jxen.abi.evtchn.EvtchnBindPirqDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVcpuDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVirqDescriptor;
import io.jxen.abi.evtchn.EvtchnCloseDescriptor;
import io.jxen.abi.evtchn.EvtchnExpandArrayDescriptor;
import io.jxen.abi.evtchn.EvtchnInitControlDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnResetDescriptor;
import io.jxen.abi.evtchn.EvtchnSendDescriptor;
import io.jxen.abi.evtchn.EvtchnSetPriorityDescriptor;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.evtchn.EvtchnStatusDescriptor;
import io.jxen.abi.evtchn.EvtchnUnmaskDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestAccess;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_event_channel_op}: every {@code EVTCHNOP_*} with the semantics and
 * error codes of xen/common/event_channel.c ({@code do_event_channel_op} and the
 * {@code evtchn_*} functions it calls; the reference's §1.4 table). The argument is copied in
 * ({@code -EFAULT} if it cannot be), the operation runs on the copy, and outputs are copied
 * back only on success ({@code -EFAULT} then, "cleaning up here would be a mess").
 *
 * <p>The caller's domain comes from the vCPU binding. Callers hold the hypervisor lock.
 */
public final class EventChannelOps {

    /**
     * PIRQs a domain has ({@code d->nr_pirqs}): jxen has no physical IRQs; the value stands
     * for Xen's {@code nr_static_irqs} (16 legacy IRQs) plus {@code extra_domU_irqs} (32).
     */
    public static final int NR_PIRQS = 48;

    private final DomainLookup domains;
    private final int[] globalVirqHandler = new int[Virq.NR_VIRQS];

    /** @param domains how to find peer domains */
    public EventChannelOps(DomainLookup domains) {
        this.domains = domains;
    }

    /** The domain that handles a global VIRQ; dom0 unless changed ({@code get_global_virq_handler}). */
    public int globalVirqHandler(int virqNumber) {
        return globalVirqHandler[virqNumber];
    }

    /** Hands a global VIRQ to {@code domid} ({@code XEN_DOMCTL_set_virq_handler}). */
    public void setGlobalVirqHandler(int virqNumber, int domid) {
        globalVirqHandler[virqNumber] = domid;
    }

    /** Dispatches {@code EVTCHNOP cmd} with its argument at guest address {@code arg}. */
    public long hypercall(Vcpu caller, long cmd, long arg) {
        Domain d = caller.domain();
        GuestAccess guest = d.guest();
        return switch ((int) cmd) { // do_event_channel_op(int cmd, ...)
            case EvtchnOp.ALLOC_UNBOUND -> inOut(guest, arg, EvtchnAllocUnboundDescriptor.SIZE, s -> allocUnbound(d, s));
            case EvtchnOp.BIND_INTERDOMAIN ->
                    inOut(guest, arg, EvtchnBindInterdomainDescriptor.SIZE, s -> bindInterdomain(d, s));
            case EvtchnOp.BIND_VIRQ -> inOut(guest, arg, EvtchnBindVirqDescriptor.SIZE, s -> bindVirq(d, s));
            case EvtchnOp.BIND_IPI -> inOut(guest, arg, EvtchnBindIpiDescriptor.SIZE, s -> bindIpi(d, s));
            case EvtchnOp.BIND_PIRQ -> inOut(guest, arg, EvtchnBindPirqDescriptor.SIZE, s -> bindPirq(s));
            case EvtchnOp.CLOSE -> in(guest, arg, EvtchnCloseDescriptor.SIZE,
                    s -> close(d, Fields.u32(s, EvtchnCloseDescriptor.PORT_OFFSET)));
            // the hot path: the one field read once, no copy buffer (-EFAULT as copy_from_guest)
            case EvtchnOp.SEND -> send(d, guest.u32(arg + EvtchnSendDescriptor.PORT_OFFSET));
            case EvtchnOp.STATUS -> inOut(guest, arg, EvtchnStatusDescriptor.SIZE, s -> status(d, s));
            case EvtchnOp.BIND_VCPU -> in(guest, arg, EvtchnBindVcpuDescriptor.SIZE,
                    s -> bindVcpu(d, Fields.u32(s, EvtchnBindVcpuDescriptor.PORT_OFFSET),
                            Fields.u32(s, EvtchnBindVcpuDescriptor.VCPU_OFFSET)));
            case EvtchnOp.UNMASK -> in(guest, arg, EvtchnUnmaskDescriptor.SIZE,
                    s -> unmask(d, Fields.u32(s, EvtchnUnmaskDescriptor.PORT_OFFSET)));
            case EvtchnOp.RESET -> in(guest, arg, EvtchnResetDescriptor.SIZE,
                    s -> reset(d, Fields.u16(s, EvtchnResetDescriptor.DOM_OFFSET)));
            case EvtchnOp.INIT_CONTROL -> inOut(guest, arg, EvtchnInitControlDescriptor.SIZE, s -> initControl(d, s));
            case EvtchnOp.EXPAND_ARRAY -> in(guest, arg, EvtchnExpandArrayDescriptor.SIZE,
                    s -> d.eventChannels().expandArray(Fields.u64(s, EvtchnExpandArrayDescriptor.ARRAY_GFN_OFFSET)));
            case EvtchnOp.SET_PRIORITY -> in(guest, arg, EvtchnSetPriorityDescriptor.SIZE,
                    s -> setPriority(d, Fields.u32(s, EvtchnSetPriorityDescriptor.PORT_OFFSET),
                            Fields.u32(s, EvtchnSetPriorityDescriptor.PRIORITY_OFFSET)));
            default -> -XenErrno.ENOSYS;
        };
    }

    private interface Op {
        int run(MemorySegment copy);
    }

    private static long in(GuestAccess guest, long arg, int size, Op op) {
        return op.run(guest.copyIn(arg, size));
    }

    private static long inOut(GuestAccess guest, long arg, int size, Op op) {
        MemorySegment copy = guest.copyIn(arg, size);
        int rc = op.run(copy);
        if (rc == 0) {
            guest.copyOut(arg, copy);
        }
        return rc;
    }

    // ---- the operations (event_channel.c) ------------------------------------------------

    /** {@code evtchn_alloc_unbound} (:280-318). */
    int allocUnbound(Domain caller, MemorySegment s) {
        Domain d = domains.byAnyId(Fields.u16(s, EvtchnAllocUnboundDescriptor.DOM_OFFSET), caller);
        if (d == null) {
            return -XenErrno.ESRCH;
        }
        EventChannels ports = d.eventChannels();
        int port = ports.getFreePort();
        if (port < 0) {
            return port;
        }
        int rc = DomainLookup.xsmTarget(caller, d);
        if (rc != 0) {
            return rc;
        }
        int remote = Fields.u16(s, EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET);
        ports.bindUnbound(port, remote == DomId.SELF ? caller.domid() : remote);
        Fields.put32(s, EvtchnAllocUnboundDescriptor.PORT_OFFSET, port);
        return 0;
    }

    /** {@code evtchn_bind_interdomain} (:380-470): the new local port is always set pending. */
    int bindInterdomain(Domain ld, MemorySegment s) {
        Domain rd = domains.byAnyId(Fields.u16(s, EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET), ld);
        if (rd == null) {
            return -XenErrno.ESRCH;
        }
        EventChannels local = ld.eventChannels();
        EventChannels remote = rd.eventChannels();
        int lport = local.getFreePort();
        if (lport < 0) {
            return lport;
        }
        long rport = Fields.u32(s, EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET);
        if (!remote.valid(rport)) {
            return -XenErrno.EINVAL;
        }
        int rp = (int) rport;
        if (remote.state(rp) != ChannelState.UNBOUND || remote.remoteDomid(rp) != ld.domid()) {
            return -XenErrno.EINVAL;
        }
        local.bindInterdomain(lport, rd.domid(), rp);
        remote.connect(rp, ld.domid(), lport);
        // "We may have lost notifications on the remote unbound port."
        local.setPending(local.notifyVcpu(lport), lport);
        Fields.put32(s, EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET, lport);
        return 0;
    }

    /** {@code evtchn_bind_virq} (:474-558). */
    int bindVirq(Domain d, MemorySegment s) {
        long virqNumber = Fields.u32(s, EvtchnBindVirqDescriptor.VIRQ_OFFSET);
        long vcpuId = Fields.u32(s, EvtchnBindVirqDescriptor.VCPU_OFFSET);
        if (virqNumber >= Virq.NR_VIRQS) {
            return -XenErrno.EINVAL;
        }
        int vq = (int) virqNumber;
        if (!VirqType.perVcpu(vq) && vcpuId != 0) {
            return -XenErrno.EINVAL;
        }
        Vcpu v = d.vcpu(vcpuId);
        if (v == null) {
            return -XenErrno.ENOENT;
        }
        if (!VirqType.perVcpu(vq) && globalVirqHandler[vq] != d.domid()) {
            return -XenErrno.EBUSY;
        }
        if (v.virqPort(vq) != 0) {
            return -XenErrno.EEXIST;
        }
        int port = d.eventChannels().getFreePort();
        if (port < 0) {
            return port;
        }
        d.eventChannels().bindVirq(port, v.id(), vq);
        v.setVirqPort(vq, port);
        Fields.put32(s, EvtchnBindVirqDescriptor.PORT_OFFSET, port);
        return 0;
    }

    /** {@code evtchn_bind_ipi} (:561-597). */
    int bindIpi(Domain d, MemorySegment s) {
        long vcpuId = Fields.u32(s, EvtchnBindIpiDescriptor.VCPU_OFFSET);
        if (d.vcpu(vcpuId) == null) {
            return -XenErrno.ENOENT;
        }
        int port = d.eventChannels().getFreePort();
        if (port < 0) {
            return port;
        }
        d.eventChannels().bindIpi(port, (int) vcpuId);
        Fields.put32(s, EvtchnBindIpiDescriptor.PORT_OFFSET, port);
        return 0;
    }

    /**
     * {@code evtchn_bind_pirq} (:626-700) for a PV domain that was given no physical IRQ:
     * {@code -EINVAL} beyond {@code nr_pirqs}, otherwise {@code -EPERM}
     * ({@code pirq_access_permitted} is false for every IRQ).
     */
    int bindPirq(MemorySegment s) {
        long pirq = Fields.u32(s, EvtchnBindPirqDescriptor.PIRQ_OFFSET);
        return pirq >= NR_PIRQS ? -XenErrno.EINVAL : -XenErrno.EPERM;
    }

    /**
     * {@code evtchn_close} (:704-845): free, reserved and unknown ports are {@code -EINVAL};
     * an interdomain peer goes back to unbound, bindable again by this domain.
     */
    public int close(Domain d1, long port) {
        EventChannels ports = d1.eventChannels();
        if (!ports.valid(port)) {
            return -XenErrno.EINVAL;
        }
        int p = (int) port;
        switch (ports.state(p)) {
            case FREE, RESERVED -> {
                return -XenErrno.EINVAL;
            }
            case VIRQ -> {
                int vq = ports.virq(p);
                Vcpu v = d1.vcpu(VirqType.perVcpu(vq) ? ports.notifyVcpu(p) : 0);
                v.setVirqPort(vq, 0);
            }
            case INTERDOMAIN -> {
                Domain d2 = domains.byId(ports.remoteDomid(p));
                if (d2 != null) {
                    d2.eventChannels().markUnbound(ports.remotePort(p), d1.domid());
                }
            }
            case UNBOUND, IPI, PIRQ -> {
                // nothing more to undo
            }
        }
        ports.free(p);
        return 0;
    }

    /** {@code evtchn_send} (:847-904): unbound ports drop the notification silently. */
    public int send(Domain ld, long port) {
        EventChannels ports = ld.eventChannels();
        if (!ports.valid(port)) {
            return -XenErrno.EINVAL;
        }
        int p = (int) port;
        switch (ports.state(p)) {
            case INTERDOMAIN -> {
                Domain rd = domains.byId(ports.remoteDomid(p));
                int rport = ports.remotePort(p);
                rd.eventChannels().setPending(rd.eventChannels().notifyVcpu(rport), rport);
                return 0;
            }
            case IPI -> {
                ports.setPending(ports.notifyVcpu(p), p);
                return 0;
            }
            case UNBOUND -> {
                return 0;
            }
            default -> {
                return -XenErrno.EINVAL;
            }
        }
    }

    /** {@code evtchn_status} (:1124-1188). */
    int status(Domain caller, MemorySegment s) {
        Domain d = domains.byAnyId(Fields.u16(s, EvtchnStatusDescriptor.DOM_OFFSET), caller);
        if (d == null) {
            return -XenErrno.ESRCH;
        }
        EventChannels ports = d.eventChannels();
        long port = Fields.u32(s, EvtchnStatusDescriptor.PORT_OFFSET);
        if (!ports.valid(port)) {
            return -XenErrno.EINVAL;
        }
        int rc = DomainLookup.xsmTarget(caller, d);
        if (rc != 0) {
            return rc;
        }
        int p = (int) port;
        int status = switch (ports.state(p)) {
            case FREE, RESERVED -> EvtchnStat.CLOSED;
            case UNBOUND -> {
                Fields.put16(s, EvtchnStatusDescriptor.U_UNBOUND_DOM_OFFSET, ports.remoteDomid(p));
                yield EvtchnStat.UNBOUND;
            }
            case INTERDOMAIN -> {
                Fields.put16(s, EvtchnStatusDescriptor.U_INTERDOMAIN_DOM_OFFSET, ports.remoteDomid(p));
                Fields.put32(s, EvtchnStatusDescriptor.U_INTERDOMAIN_PORT_OFFSET, ports.remotePort(p));
                yield EvtchnStat.INTERDOMAIN;
            }
            case PIRQ -> EvtchnStat.PIRQ;
            case VIRQ -> {
                Fields.put32(s, EvtchnStatusDescriptor.U_VIRQ_OFFSET, ports.virq(p));
                yield EvtchnStat.VIRQ;
            }
            case IPI -> EvtchnStat.IPI;
        };
        Fields.put32(s, EvtchnStatusDescriptor.STATUS_OFFSET, status);
        Fields.put32(s, EvtchnStatusDescriptor.VCPU_OFFSET, ports.notifyVcpu(p));
        return 0;
    }

    /** {@code evtchn_bind_vcpu} (:1190-1249): per-vCPU VIRQs and IPIs stay where they are. */
    int bindVcpu(Domain d, long port, long vcpuId) {
        if (d.vcpu(vcpuId) == null) {
            return -XenErrno.ENOENT;
        }
        EventChannels ports = d.eventChannels();
        if (!ports.valid(port)) {
            return -XenErrno.EINVAL;
        }
        int p = (int) port;
        switch (ports.state(p)) {
            case VIRQ -> {
                if (VirqType.perVcpu(ports.virq(p))) {
                    return -XenErrno.EINVAL;
                }
                ports.setNotifyVcpu(p, (int) vcpuId);
                return 0;
            }
            case UNBOUND, INTERDOMAIN -> {
                ports.setNotifyVcpu(p, (int) vcpuId);
                return 0;
            }
            default -> {
                return -XenErrno.EINVAL;
            }
        }
    }

    /** {@code evtchn_unmask} (:1251-1266): re-delivers if the port is pending. */
    int unmask(Domain d, long port) {
        EventChannels ports = d.eventChannels();
        if (!ports.valid(port)) {
            return -XenErrno.EINVAL;
        }
        ports.unmask((int) port);
        return 0;
    }

    /**
     * {@code EVTCHNOP_reset} (:1281-1335 and the dispatcher): {@code -ESRCH}, the XSM target
     * check, then another domain only while its controller holds it paused; closes every port.
     */
    public int reset(Domain caller, int dom) {
        Domain d = domains.byAnyId(dom, caller);
        if (d == null) {
            return -XenErrno.ESRCH;
        }
        int rc = DomainLookup.xsmTarget(caller, d);
        if (rc != 0) {
            return rc;
        }
        if (d != caller && !d.paused()) {
            return -XenErrno.EINVAL;
        }
        closeAll(d);
        d.eventChannels().resetToTwoLevel(); // "Switching back to 2-level ABI."
        return 0;
    }

    /** Closes every port of {@code d} (reset, and domain destruction's {@code evtchn_destroy}). */
    public void closeAll(Domain d) {
        EventChannels ports = d.eventChannels();
        for (int port = 1; port < ports.validPorts(); port++) {
            if (ports.state(port) != ChannelState.FREE) {
                close(d, port);
            }
        }
    }

    /**
     * {@code evtchn_set_priority}: {@code -EINVAL} for a bad port; the 2-level ABI has no
     * priorities ({@code -ENOSYS}); FIFO accepts 0..15 ({@code -EINVAL} above).
     */
    int setPriority(Domain d, long port, long priority) {
        if (!d.eventChannels().valid(port)) {
            return -XenErrno.EINVAL;
        }
        return d.eventChannels().setPriority((int) port, priority);
    }

    /**
     * {@code evtchn_fifo_init_control} (event_fifo.c:571-648): {@code link_bits} is always 17;
     * {@code -ENOENT} for a bad vCPU; {@code -EINVAL} if the 72-byte control block would cross
     * the page or is not 8-byte aligned, if the vCPU already has one, or if the frame is not a
     * writable page of the domain.
     */
    int initControl(Domain d, MemorySegment s) {
        Fields.put16(s, EvtchnInitControlDescriptor.LINK_BITS_OFFSET, 0);
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, EvtchnInitControlDescriptor.LINK_BITS_OFFSET,
                (byte) io.jxen.abi.evtchn.EvtchnFifo.LINK_BITS);
        long gfn = Fields.u64(s, EvtchnInitControlDescriptor.CONTROL_GFN_OFFSET);
        long offset = Fields.u32(s, EvtchnInitControlDescriptor.OFFSET_OFFSET);
        Vcpu v = d.vcpu(Fields.u32(s, EvtchnInitControlDescriptor.VCPU_OFFSET));
        if (v == null) {
            return -XenErrno.ENOENT;
        }
        if (offset > io.jxen.abi.XenPage.SIZE - io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor.SIZE
                || (offset & 7) != 0) {
            return -XenErrno.EINVAL;
        }
        return d.eventChannels().initControl(v, gfn, offset);
    }

    // ---- hypervisor-raised events ------------------------------------------------------

    /** {@code send_guest_vcpu_virq}: raises a per-vCPU VIRQ if the vCPU bound it. */
    public void sendVcpuVirq(Vcpu v, int virqNumber) {
        int port = v.virqPort(virqNumber);
        if (port != 0) {
            v.domain().eventChannels().setPending(v.id(), port);
        }
    }

    /** {@code send_global_virq}: raises a global VIRQ in its handler domain, if bound. */
    public void sendGlobalVirq(int virqNumber) {
        Domain d = domains.byId(globalVirqHandler[virqNumber]);
        if (d == null) {
            return;
        }
        Vcpu v0 = d.vcpu(0);
        int port = v0.virqPort(virqNumber);
        if (port != 0) {
            d.eventChannels().setPending(d.eventChannels().notifyVcpu(port), port);
        }
    }
}
