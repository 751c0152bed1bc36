package io.jxen.bench.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnSendDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.futex.Doorbell;
import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SystemClock;

/**
 * What a benchmark guest does from its own memory, as a PV guest kernel would: writes hypercall
 * arguments at {@link #ARG}, issues event-channel ops, and takes an upcall on vCPU 0 (the
 * handler's prologue: clear evtchn_upcall_pending and the selector, then the port's pending bit).
 */
final class BenchGuest {

    /** Guest-physical address of the argument scratch page (page 1). */
    static final long ARG = XenPage.SIZE;
    /** A second scratch page (page 2), e.g. for a multicall list. */
    static final long LIST = 2L * XenPage.SIZE;

    final Hypercalls hc;
    final GuestPhysicalMemory mem;
    final Doorbell bell;
    final long sharedInfo;
    /** How this vCPU halts: the host default ({@code -Djxen.haltPoll}, {@code -Djxen.spareCore}). */
    final HaltPoll haltPoll = HaltPoll.forClock(SystemClock.INSTANCE);
    final HaltPoll.Window haltPollWindow = new HaltPoll.Window();

    BenchGuest(GuestPlatform platform) {
        this.hc = platform.hypercalls(0);
        this.mem = platform.memory();
        this.bell = platform.doorbell(0);
        this.sharedInfo = mem.getLong(platform.startInfoGpa() + StartInfoDescriptor.SHARED_INFO_OFFSET);
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }

    int allocUnbound(int remoteDom) {
        mem.zero(ARG, EvtchnAllocUnboundDescriptor.SIZE);
        mem.putShort(ARG + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) DomId.SELF);
        mem.putShort(ARG + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) remoteDom);
        check(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, ARG), "alloc_unbound");
        return mem.getInt(ARG + EvtchnAllocUnboundDescriptor.PORT_OFFSET);
    }

    int bindInterdomain(int remoteDom, int remotePort) {
        mem.zero(ARG, EvtchnBindInterdomainDescriptor.SIZE);
        mem.putShort(ARG + EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, (short) remoteDom);
        mem.putInt(ARG + EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, remotePort);
        check(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_INTERDOMAIN, ARG), "bind_interdomain");
        int port = mem.getInt(ARG + EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
        ack();
        clearPending(port); // bind_interdomain marks the new local port pending
        return port;
    }

    /** Writes the send argument once at {@code at}; {@link #send(long)} then only traps. */
    void prepareSend(long at, int port) {
        mem.putInt(at + EvtchnSendDescriptor.PORT_OFFSET, port);
    }

    void send(long at) {
        check(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, at), "send");
    }

    long pendingWord(int port) {
        return sharedInfo + SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (port / 64) * 8L;
    }

    boolean pending(int port) {
        return (mem.getLong(pendingWord(port)) & (1L << (port % 64))) != 0;
    }

    void clearPending(int port) {
        long w = pendingWord(port);
        mem.putLong(w, mem.getLong(w) & ~(1L << (port % 64)));
    }

    /** The upcall prologue on vCPU 0: evtchn_upcall_pending = 0, evtchn_pending_sel = 0. */
    void ack() {
        mem.putByte(sharedInfo + SharedInfoDescriptor.VCPU_INFO_OFFSET + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET,
                (byte) 0);
        mem.putLong(sharedInfo + SharedInfoDescriptor.VCPU_INFO_OFFSET + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET, 0);
    }

    /**
     * Handler entry for {@code port}: returns once the port is pending, having acknowledged the
     * upcall and cleared the bit. An idle vCPU halts on its doorbell as a guest vCPU in its own
     * JVM does ({@code GuestVcpu.idleOnDoorbell}: halt-polls its window while a core is spare,
     * then sleeps in futex); a running one ({@code poll}) checks at its preemption points, i.e. spins.
     */
    void awaitEvent(int port, boolean poll, long deadline) {
        while (true) {
            int seen = bell.rings();
            if (pending(port)) {
                ack();
                clearPending(port);
                return;
            }
            if (!poll) {
                long start = haltPoll.start();
                if (!haltPoll.poll(start, haltPollWindow, () -> bell.rings() != seen)) {
                    bell.await(seen, 200_000_000L);
                }
                haltPoll.finish(start, haltPollWindow, true);
            } else {
                Thread.onSpinWait();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no event on port " + port + " before the deadline");
            }
        }
    }
}
