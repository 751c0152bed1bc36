package io.jxen.guest.intr;

import io.jxen.abi.Hypercall;
import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnExpandArrayDescriptor;
import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor;
import io.jxen.abi.evtchn.EvtchnInitControlDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;
import io.jxen.guest.XenException;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * The guest side of the FIFO event-channel ABI (event_channel.h, "FIFO-based event channel
 * ABI"): a control block page per vCPU registered with {@code EVTCHNOP_init_control}, and the
 * event array, one 32-bit word per port, grown a page (1024 ports) at a time with
 * {@code EVTCHNOP_expand_array} before a port past its end is bound. New words start
 * {@code MASKED}, so Xen never queues a port nobody bound.
 *
 * <p>Consuming follows the ABI: take the control block's {@code ready} bitmap, serve the
 * highest priority (lowest bit) first, walk its queue from the head Xen set (or where the last
 * upcall stopped), clearing each word's {@code LINKED} and {@code LINK} in one compare-and-swap
 * to learn the next port; a port is handled only if {@code PENDING} and not {@code MASKED}.
 * An emptied queue drops its ready bit; {@code ready} is re-read after every port, so a newly
 * ready higher priority goes first.
 */
final class FifoEvents {

    /** Event words per event-array page. */
    static final int WORDS_PER_PAGE = XenPage.SIZE / EvtchnFifo.EVENT_WORD_SIZE;
    private static final int PENDING = 1 << EvtchnFifo.PENDING;
    private static final int MASKED = 1 << EvtchnFifo.MASKED;
    private static final int LINKED = 1 << EvtchnFifo.LINKED;
    /**
     * Ports one upcall visits at most. A handler that raises its own port again re-links it at
     * the tail, so without a bound a busy port would keep the upcall (and the simulated vCPU)
     * forever; past it the rest waits for the next upcall, which {@link #consume} requests.
     */
    static final int PORTS_PER_UPCALL = 256;

    private final GuestKernel kernel;
    private final MemorySegment[] controlBlock;
    /** Per vCPU and priority: where the last upcall stopped (0: start at Xen's head). */
    private final int[][] localHead;
    private volatile MemorySegment[] eventArray = new MemorySegment[0];

    /**
     * Registers a zeroed control block page per vCPU and the first event-array page.
     *
     * @throws XenException if Xen refuses (for example no FIFO support)
     */
    FifoEvents(GuestKernel kernel) {
        this.kernel = kernel;
        this.controlBlock = new MemorySegment[kernel.vcpus()];
        this.localHead = new int[kernel.vcpus()][EvtchnFifo.MAX_QUEUES];
        for (int v = 0; v < controlBlock.length; v++) {
            long gfn = kernel.pages().allocPage();
            MemorySegment page = kernel.memory().page(gfn);
            page.fill((byte) 0);
            try (Scratch s = kernel.vcpu(v).scratch()) {
                s.putLong(EvtchnInitControlDescriptor.CONTROL_GFN_OFFSET, gfn)
                        .putInt(EvtchnInitControlDescriptor.OFFSET_OFFSET, 0)
                        .putInt(EvtchnInitControlDescriptor.VCPU_OFFSET, v);
                long rc = s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.INIT_CONTROL);
                if (rc < 0) {
                    throw new XenException("EVTCHNOP_init_control(vcpu " + v + ")", rc);
                }
            }
            controlBlock[v] = page.asSlice(0, EvtchnFifoControlBlockDescriptor.SIZE);
        }
        ensurePort(0);
    }

    /** Ports the event array covers. */
    int capacity() {
        return eventArray.length * WORDS_PER_PAGE;
    }

    /**
     * Grows the event array until it covers {@code port}: each page's words set to
     * {@code MASKED} before Xen sees it ({@code EVTCHNOP_expand_array}).
     *
     * @throws XenException if Xen refuses a page (past 128 pages: {@code -ENOSPC})
     */
    synchronized void ensurePort(int port) {
        while (port >= capacity()) {
            long gfn = kernel.pages().allocPage();
            MemorySegment page = kernel.memory().page(gfn);
            for (int i = 0; i < WORDS_PER_PAGE; i++) {
                OrderedAccess.setIntPlain(page, (long) i * EvtchnFifo.EVENT_WORD_SIZE, MASKED);
            }
            try (Scratch s = kernel.vcpu(0).scratch()) {
                s.putLong(EvtchnExpandArrayDescriptor.ARRAY_GFN_OFFSET, gfn);
                long rc = s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.EXPAND_ARRAY);
                if (rc < 0) {
                    kernel.pages().freePage(gfn);
                    throw new XenException("EVTCHNOP_expand_array(page " + eventArray.length + ")", rc);
                }
            }
            MemorySegment[] grown = Arrays.copyOf(eventArray, eventArray.length + 1);
            grown[grown.length - 1] = page;
            eventArray = grown;
        }
    }

    private MemorySegment pageOf(int port) {
        MemorySegment[] pages = eventArray;
        int index = port / WORDS_PER_PAGE;
        return port >= 0 && index < pages.length ? pages[index] : null;
    }

    private static long offsetOf(int port) {
        return (long) (port % WORDS_PER_PAGE) * EvtchnFifo.EVENT_WORD_SIZE;
    }

    /**
     * Sets {@code MASKED}.
     *
     * @return whether it was already set (a port without a word counts as masked)
     */
    boolean mask(int port) {
        MemorySegment page = pageOf(port);
        return page == null || (OrderedAccess.getAndBitwiseOrInt(page, offsetOf(port), MASKED) & MASKED) != 0;
    }

    /**
     * Clears {@code PENDING} (the acknowledgement before the handler runs).
     *
     * @return whether it was set
     */
    boolean clearPending(int port) {
        MemorySegment page = pageOf(port);
        return page != null && (OrderedAccess.getAndBitwiseAndInt(page, offsetOf(port), ~PENDING) & PENDING) != 0;
    }

    /** Whether {@code PENDING} is set. */
    boolean pending(int port) {
        MemorySegment page = pageOf(port);
        return page != null && (OrderedAccess.getIntVolatile(page, offsetOf(port)) & PENDING) != 0;
    }

    /** Clears {@code LINKED} and {@code LINK} together; returns the link (0: end of queue). */
    private int clearLinked(MemorySegment page, long at) {
        while (true) {
            int word = OrderedAccess.getIntVolatile(page, at);
            if (OrderedAccess.compareAndSetInt(page, at, word, word & ~(LINKED | EvtchnFifo.LINK_MASK))) {
                return word & EvtchnFifo.LINK_MASK;
            }
        }
    }

    /**
     * Consumes vCPU {@code vcpu}'s queues, calling {@code handle} for each pending, unmasked
     * port; runs in that vCPU's upcall only. After {@link #PORTS_PER_UPCALL} ports the ready
     * bits left are given back to the control block and {@code evtchn_upcall_pending} is set
     * in {@code vcpuInfo}, so the next upcall carries on where this one stopped.
     *
     * @return the sum of what {@code handle} returned
     */
    int consume(int vcpu, MemorySegment vcpuInfo, IntUnaryOperator handle) {
        MemorySegment cb = controlBlock[vcpu];
        int[] heads = localHead[vcpu];
        int handled = 0;
        int allQueues = (1 << EvtchnFifo.MAX_QUEUES) - 1;
        int ready = OrderedAccess.getAndSetInt(cb, EvtchnFifoControlBlockDescriptor.READY_OFFSET, 0) & allQueues;
        int visited = 0;
        while (ready != 0) {
            if (visited++ == PORTS_PER_UPCALL) {
                OrderedAccess.getAndBitwiseOrInt(cb, EvtchnFifoControlBlockDescriptor.READY_OFFSET, ready);
                OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 1);
                break;
            }
            int q = Integer.numberOfTrailingZeros(ready);
            int port = heads[q];
            if (port == 0) {
                // Acquire: the head Xen wrote before setting the ready bit we saw.
                port = OrderedAccess.getIntAcquire(cb, EvtchnFifoControlBlockDescriptor.HEAD_OFFSET
                        + (long) q * Integer.BYTES);
            }
            MemorySegment page = pageOf(port);
            if (port == 0 || page == null) {
                heads[q] = 0;
                ready &= ~(1 << q);
            } else {
                long at = offsetOf(port);
                int next = clearLinked(page, at);
                if (next != 0 && pageOf(next) == null) {
                    next = 0;
                }
                if (next == 0) {
                    ready &= ~(1 << q);
                }
                heads[q] = next;
                int word = OrderedAccess.getIntVolatile(page, at);
                if ((word & PENDING) != 0 && (word & MASKED) == 0) {
                    handled += handle.applyAsInt(port);
                }
            }
            ready |= OrderedAccess.getAndSetInt(cb, EvtchnFifoControlBlockDescriptor.READY_OFFSET, 0) & allQueues;
        }
        return handled;
    }
}
