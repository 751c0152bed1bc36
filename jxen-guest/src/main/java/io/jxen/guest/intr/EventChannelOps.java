package io.jxen.guest.intr;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnBindIpiDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVcpuDescriptor;
import io.jxen.abi.evtchn.EvtchnBindVirqDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.xen.DomId;
import io.jxen.guest.GuestVcpu;
import io.jxen.guest.Scratch;

/**
 * {@code HYPERVISOR_event_channel_op} wrappers: each writes its {@code struct evtchn_*} into the
 * vCPU's argument page with event_channel.h's layout, makes the call and reads the OUT port.
 * Each returns the port ({@code >= 0}) or the negative Xen errno; nothing is thrown.
 */
public final class EventChannelOps {

    private EventChannelOps() {
    }

    private static long portOrError(long rc, Scratch s, int portOffset) {
        return rc < 0 ? rc : Integer.toUnsignedLong(s.getInt(portOffset));
    }

    /** {@code EVTCHNOP_alloc_unbound} for {@code dom} (DOMID_SELF for oneself), to be bound by {@code remoteDom}. */
    public static long allocUnbound(GuestVcpu v, int dom, int remoteDom) {
        try (Scratch s = v.scratch()) {
            s.putShort(EvtchnAllocUnboundDescriptor.DOM_OFFSET, dom).putShort(EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, remoteDom);
            return portOrError(s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND), s,
                    EvtchnAllocUnboundDescriptor.PORT_OFFSET);
        }
    }

    /** {@code EVTCHNOP_alloc_unbound} of one's own port. */
    public static long allocUnbound(GuestVcpu v, int remoteDom) {
        return allocUnbound(v, DomId.SELF, remoteDom);
    }

    /** {@code EVTCHNOP_bind_interdomain}. */
    public static long bindInterdomain(GuestVcpu v, int remoteDom, int remotePort) {
        try (Scratch s = v.scratch()) {
            s.putShort(EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, remoteDom)
                    .putInt(EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, remotePort);
            return portOrError(s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_INTERDOMAIN), s,
                    EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
        }
    }

    /** {@code EVTCHNOP_bind_virq}. */
    public static long bindVirq(GuestVcpu v, int virq, int vcpu) {
        try (Scratch s = v.scratch()) {
            s.putInt(EvtchnBindVirqDescriptor.VIRQ_OFFSET, virq).putInt(EvtchnBindVirqDescriptor.VCPU_OFFSET, vcpu);
            return portOrError(s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_VIRQ), s, EvtchnBindVirqDescriptor.PORT_OFFSET);
        }
    }

    /** {@code EVTCHNOP_bind_ipi}. */
    public static long bindIpi(GuestVcpu v, int vcpu) {
        try (Scratch s = v.scratch()) {
            s.putInt(EvtchnBindIpiDescriptor.VCPU_OFFSET, vcpu);
            return portOrError(s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_IPI), s, EvtchnBindIpiDescriptor.PORT_OFFSET);
        }
    }

    /** {@code EVTCHNOP_bind_vcpu}: 0 or a negative errno. */
    public static long bindVcpu(GuestVcpu v, int port, int vcpu) {
        try (Scratch s = v.scratch()) {
            s.putInt(EvtchnBindVcpuDescriptor.PORT_OFFSET, port).putInt(EvtchnBindVcpuDescriptor.VCPU_OFFSET, vcpu);
            return s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_VCPU);
        }
    }

    private static long portOp(GuestVcpu v, int op, int port) {
        try (Scratch s = v.scratch()) {
            s.putInt(0, port);
            return s.call(Hypercall.EVENT_CHANNEL_OP, op);
        }
    }

    /** {@code EVTCHNOP_close}. */
    public static long close(GuestVcpu v, int port) {
        return portOp(v, EvtchnOp.CLOSE, port);
    }

    /** {@code EVTCHNOP_send}. */
    public static long send(GuestVcpu v, int port) {
        return portOp(v, EvtchnOp.SEND, port);
    }

    /** {@code EVTCHNOP_unmask}: clears the mask and re-delivers if pending. */
    public static long unmask(GuestVcpu v, int port) {
        return portOp(v, EvtchnOp.UNMASK, port);
    }

    /** {@code EVTCHNOP_reset} of {@code dom}. */
    public static long reset(GuestVcpu v, int dom) {
        try (Scratch s = v.scratch()) {
            s.putShort(0, dom);
            return s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.RESET);
        }
    }
}
