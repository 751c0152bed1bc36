package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor;
import io.jxen.abi.evtchn.EvtchnInitControlDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The guest side of the FIFO ABI as Linux's events_fifo.c does it: control blocks and event
 * array pages in the guest's own RAM, and the consume loop (take {@code ready}, walk each
 * priority's queue from its head clearing LINKED, handle ports that are pending and unmasked).
 */
final class GuestFifo {

    static final long ARG = TestHost.Guest.ARG;

    final Hypercalls hc;
    final GuestPhysicalMemory mem;
    final List<Long> arrayGfns = new ArrayList<>();
    final long[] controlBlockGpa;
    /** Linux's per-CPU local copy of each queue's head. */
    final int[][] localHead;

    GuestFifo(Hypercalls hc, GuestPhysicalMemory mem, int vcpus) {
        this.hc = hc;
        this.mem = mem;
        this.controlBlockGpa = new long[vcpus];
        this.localHead = new int[vcpus][EvtchnFifo.MAX_QUEUES];
    }

    long initControl(int vcpu, long gfn, long offset) {
        mem.zero(ARG, EvtchnInitControlDescriptor.SIZE);
        mem.putLong(ARG + EvtchnInitControlDescriptor.CONTROL_GFN_OFFSET, gfn);
        mem.putInt(ARG + EvtchnInitControlDescriptor.OFFSET_OFFSET, (int) offset);
        mem.putInt(ARG + EvtchnInitControlDescriptor.VCPU_OFFSET, vcpu);
        long rc = hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.INIT_CONTROL, ARG);
        if (rc == 0) {
            controlBlockGpa[vcpu] = (gfn << XenPage.SHIFT) + offset;
        }
        return rc;
    }

    byte linkBits() {
        return mem.getByte(ARG + EvtchnInitControlDescriptor.LINK_BITS_OFFSET);
    }

    /** Adds an event-array page: every word starts MASKED, as Linux initialises them. */
    long expandArray(long gfn, boolean initialise) {
        if (initialise) {
            for (int i = 0; i < 1024; i++) {
                mem.putInt((gfn << XenPage.SHIFT) + 4L * i, 1 << EvtchnFifo.MASKED);
            }
        }
        mem.putLong(ARG, gfn);
        long rc = hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.EXPAND_ARRAY, ARG);
        if (rc == 0) {
            arrayGfns.add(gfn);
        }
        return rc;
    }

    long setPriority(long port, long priority) {
        mem.putInt(ARG, (int) port);
        mem.putInt(ARG + 4, (int) priority);
        return hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SET_PRIORITY, ARG);
    }

    long wordGpa(int port) {
        return (arrayGfns.get(port / 1024) << XenPage.SHIFT) + 4L * (port % 1024);
    }

    int word(int port) {
        return mem.getInt(wordGpa(port));
    }

    boolean bit(int port, int bit) {
        return (word(port) & (1 << bit)) != 0;
    }

    void setBit(int port, int bit, boolean on) {
        int w = word(port);
        mem.putInt(wordGpa(port), on ? w | (1 << bit) : w & ~(1 << bit));
    }

    int ready(int vcpu) {
        return mem.getInt(controlBlockGpa[vcpu] + EvtchnFifoControlBlockDescriptor.READY_OFFSET);
    }

    int head(int vcpu, int priority) {
        return mem.getInt(controlBlockGpa[vcpu] + EvtchnFifoControlBlockDescriptor.HEAD_OFFSET + 4L * priority);
    }

    /**
     * Linux's {@code __evtchn_fifo_handle_events}: returns the ports handled, in order; each
     * handled port's PENDING is cleared (the irq ack). {@code handle} may veto (returns false:
     * leave pending).
     */
    List<Integer> consume(int vcpu, IntPredicate handle) {
        List<Integer> handled = new ArrayList<>();
        long readyGpa = controlBlockGpa[vcpu] + EvtchnFifoControlBlockDescriptor.READY_OFFSET;
        int ready = mem.getInt(readyGpa);
        mem.putInt(readyGpa, 0);
        int guard = 0;
        while (ready != 0 && guard++ < 1_000_000) {
            int q = Integer.numberOfTrailingZeros(ready);
            int port = localHead[vcpu][q];
            if (port == 0) {
                port = head(vcpu, q);
            }
            int w = word(port);
            int next = w & EvtchnFifo.LINK_MASK;
            // clear_linked: LINKED and LINK together
            mem.putInt(wordGpa(port), w & ~((1 << EvtchnFifo.LINKED) | EvtchnFifo.LINK_MASK));
            if (next == 0) {
                ready &= ~(1 << q);
            }
            if ((w & (1 << EvtchnFifo.PENDING)) != 0 && (w & (1 << EvtchnFifo.MASKED)) == 0) {
                if (handle.test(port)) {
                    setBit(port, EvtchnFifo.PENDING, false);
                    handled.add(port);
                }
            }
            localHead[vcpu][q] = next;
            ready |= mem.getInt(readyGpa);
            mem.putInt(readyGpa, 0);
        }
        return handled;
    }

    List<Integer> consume(int vcpu) {
        return consume(vcpu, p -> true);
    }
}
