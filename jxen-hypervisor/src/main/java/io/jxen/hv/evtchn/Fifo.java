package io.jxen.hv.evtchn;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The FIFO event-channel ABI (xen/common/event_fifo.c; event_channel.h:335-358): one 32-bit
 * event word per port in guest pages added with {@code EVTCHNOP_expand_array} (1024 words a
 * page, at most 128 pages), and per vCPU a guest control block with a {@code ready} bitmap and
 * the heads of 16 priority queues, whose tails only the hypervisor knows. Raising an unmasked
 * port links it at the tail of its vCPU's queue for its priority (setting the old tail's LINK
 * with a bounded cmpxchg, BUSY blocking the guest meanwhile); if the queue was empty the port
 * becomes the head and the priority's ready bit is set, which raises the upcall.
 */
final class Fifo implements PortOps {

    /** Event words per event-array page ({@code EVTCHN_FIFO_EVENT_WORDS_PER_PAGE}). */
    static final int WORDS_PER_PAGE = XenPage.SIZE / EvtchnFifo.EVENT_WORD_SIZE;
    /** Most event-array pages ({@code EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES}). */
    static final int MAX_PAGES = EvtchnFifo.NR_CHANNELS / WORDS_PER_PAGE;

    private final Domain domain;
    private final EventChannels ports;
    private final MachineMemory memory;
    private final List<MemorySegment> eventArray = new ArrayList<>();
    private final List<Long> pinnedMfns = new ArrayList<>();
    private final MemorySegment[] controlBlock;
    private final int[][] tail;
    private final byte[] priority;
    private final int[] lastVcpu;
    private final byte[] lastPriority;
    private final boolean[] savedPending;

    Fifo(Domain domain, EventChannels ports, MachineMemory memory, int capacity) {
        this.domain = domain;
        this.ports = ports;
        this.memory = memory;
        this.controlBlock = new MemorySegment[domain.vcpuCount()];
        this.tail = new int[domain.vcpuCount()][EvtchnFifo.MAX_QUEUES];
        this.priority = new byte[capacity];
        this.lastVcpu = new int[capacity];
        this.lastPriority = new byte[capacity];
        this.savedPending = new boolean[capacity];
    }

    /** Ports with an event word ({@code num_evtchns}). */
    int numEvtchns() {
        return eventArray.size() * WORDS_PER_PAGE;
    }

    /** Whether vCPU {@code v} has a control block. */
    boolean hasControlBlock(int v) {
        return controlBlock[v] != null;
    }

    /** The priority a port links with. */
    int priority(int port) {
        return priority[port];
    }

    /**
     * Xen's {@code map_guest_page}: the domain's own writable RAM page at {@code gfn}, pinned
     * so it cannot be ballooned out while Xen writes to it.
     *
     * @return the page, or null ({@code -EINVAL})
     */
    private MemorySegment mapGuestPage(long gfn) {
        long entry = domain.physMap().p2m().get(gfn);
        if (!P2mEntry.present(entry) || P2mEntry.foreign(entry) || P2mEntry.readOnly(entry)
                || !domain.physMap().owns(P2mEntry.mfn(entry))) {
            return null;
        }
        domain.physMap().pin(P2mEntry.mfn(entry));
        pinnedMfns.add(P2mEntry.mfn(entry));
        return memory.frame(P2mEntry.mfn(entry));
    }

    /** {@code map_control_block}: {@code -EINVAL} if the vCPU has one or the page is not usable. */
    int mapControlBlock(Vcpu v, long gfn, long offset) {
        if (controlBlock[v.id()] != null) {
            return -XenErrno.EINVAL;
        }
        MemorySegment page = mapGuestPage(gfn);
        if (page == null) {
            return -XenErrno.EINVAL;
        }
        controlBlock[v.id()] = page.asSlice(offset, EvtchnFifoControlBlockDescriptor.SIZE);
        return 0;
    }

    /**
     * {@code setup_ports}: ports bound under the 2-level ABI keep their pending state (saved
     * until their event-array page exists) and get the default priority.
     */
    void setupPorts(TwoLevel previous, int prevEvtchns) {
        for (int port = 1; port < prevEvtchns; port++) {
            if (!ports.valid(port)) {
                break;
            }
            if (previous.isPending(port)) {
                savedPending[port] = true;
            }
            priority[port] = EvtchnFifo.PRIORITY_DEFAULT;
        }
    }

    /** {@code add_page_to_event_array}: {@code -ENOSPC} past 128 pages, {@code -EINVAL} bad page. */
    int addPage(long gfn) {
        if (eventArray.size() >= MAX_PAGES) {
            return -XenErrno.ENOSPC;
        }
        MemorySegment page = mapGuestPage(gfn);
        if (page == null) {
            return -XenErrno.EINVAL;
        }
        int port = numEvtchns();
        eventArray.add(page);
        // Re-raise events that were pending while this page was missing.
        for (; port < numEvtchns(); port++) {
            if (!ports.valid(port)) {
                break;
            }
            if (savedPending[port]) {
                setPending(domain.vcpu(ports.notifyVcpu(port)), port);
            }
        }
        return 0;
    }

    /** {@code evtchn_fifo_destroy}: drops the hypervisor's references to the guest pages. */
    void destroy() {
        for (long mfn : pinnedMfns) {
            domain.physMap().unpin(mfn);
        }
        pinnedMfns.clear();
        eventArray.clear();
    }

    // ---- event words ----------------------------------------------------------------------

    private MemorySegment page(int port) {
        return port < numEvtchns() ? eventArray.get(port / WORDS_PER_PAGE) : null;
    }

    private static long wordOffset(int port) {
        return (long) (port % WORDS_PER_PAGE) * EvtchnFifo.EVENT_WORD_SIZE;
    }

    // The 32-bit word is half of an aligned 64-bit word: bit b of word at offset o is bit
    // b + 32 * ((o / 4) & 1) of the 64-bit word at o & ~7 (little-endian). Same atomicity.
    private static boolean testAndSet(MemorySegment page, int port, int bit) {
        long o = wordOffset(port);
        return OrderedAccess.testAndSetBit(page, o & ~7L, bit + (int) ((o & 4) << 3));
    }

    private static boolean testAndClear(MemorySegment page, int port, int bit) {
        long o = wordOffset(port);
        return OrderedAccess.testAndClearBit(page, o & ~7L, bit + (int) ((o & 4) << 3));
    }

    private static boolean test(MemorySegment page, int port, int bit) {
        long o = wordOffset(port);
        return OrderedAccess.testBitAcquire(page, o & ~7L, bit + (int) ((o & 4) << 3));
    }

    /** The raw event word of {@code port}, or 0 if it has none (for tests and dumps). */
    int word(int port) {
        MemorySegment page = page(port);
        return page == null ? 0 : OrderedAccess.getIntVolatile(page, wordOffset(port));
    }

    private static final int LINKED_BIT = 1 << EvtchnFifo.LINKED;
    private static final int BUSY_BIT = 1 << EvtchnFifo.BUSY;

    /** {@code try_set_link}: 1 linked, 0 the tail is no longer LINKED, -1 lost a race. */
    private static int trySetLink(MemorySegment page, int tailPort, int[] w, int link) {
        if ((w[0] & LINKED_BIT) == 0) {
            return 0;
        }
        int old = w[0];
        int updated = (old & ~(BUSY_BIT | EvtchnFifo.LINK_MASK)) | link;
        if (OrderedAccess.compareAndSetInt(page, wordOffset(tailPort), old, updated)) {
            return 1;
        }
        w[0] = OrderedAccess.getIntVolatile(page, wordOffset(tailPort));
        return -1;
    }

    /**
     * {@code evtchn_fifo_set_link}: link the tail to {@code link} iff it is still LINKED. The
     * guest may only set/clear MASKED, clear PENDING or clear LINKED meanwhile; BUSY blocks its
     * unmasking, so at most 4 more tries are needed.
     */
    private static boolean setLink(MemorySegment page, int tailPort, int link) {
        int[] w = {OrderedAccess.getIntVolatile(page, wordOffset(tailPort))};
        int ret = trySetLink(page, tailPort, w, link);
        if (ret >= 0) {
            return ret == 1;
        }
        testAndSet(page, tailPort, EvtchnFifo.BUSY);
        w[0] = OrderedAccess.getIntVolatile(page, wordOffset(tailPort));
        for (int attempt = 0; attempt < 4; attempt++) {
            ret = trySetLink(page, tailPort, w, link);
            if (ret >= 0) {
                if (ret == 0) {
                    testAndClear(page, tailPort, EvtchnFifo.BUSY);
                }
                return ret == 1;
            }
        }
        testAndClear(page, tailPort, EvtchnFifo.BUSY);
        return true; // "not linked": Xen gives up and treats it as linked
    }

    // ---- PortOps --------------------------------------------------------------------------

    @Override
    public int maxPorts() {
        return EvtchnFifo.NR_CHANNELS;
    }

    @Override
    public void init(int port) {
        priority[port] = EvtchnFifo.PRIORITY_DEFAULT;
    }

    /** {@code evtchn_fifo_set_pending} (event_fifo.c:160-318). */
    @Override
    public void setPending(Vcpu v, int port) {
        MemorySegment page = page(port);
        if (page == null) {
            savedPending[port] = true;
            return;
        }
        MemorySegment cb = controlBlock[v.id()];
        if (cb == null) {
            return; // "no FIFO event channel control block": the event is dropped
        }
        int prio = priority[port];
        int oldV = lastVcpu[port];
        int oldP = lastPriority[port];
        boolean checkPollers = !testAndSet(page, port, EvtchnFifo.PENDING);
        boolean linked = true;
        if (!test(page, port, EvtchnFifo.MASKED) && !testAndSet(page, port, EvtchnFifo.LINKED)) {
            if (tail[oldV][oldP] == port) {
                tail[oldV][oldP] = 0;
            }
            lastVcpu[port] = v.id();
            lastPriority[port] = (byte) prio;
            linked = false;
            int t = tail[v.id()][prio];
            if (t != 0) {
                linked = setLink(page(t), t, port);
            }
            if (!linked) {
                OrderedAccess.setIntRelease(cb, EvtchnFifoControlBlockDescriptor.HEAD_OFFSET + 4L * prio, port);
            }
            tail[v.id()][prio] = port;
        }
        if (!linked && !OrderedAccess.testAndSetBit(cb, EvtchnFifoControlBlockDescriptor.READY_OFFSET, prio)) {
            v.markEventsPending();
        }
        if (checkPollers) {
            domain.wakePollers();
        }
    }

    @Override
    public void clearPending(int port) {
        MemorySegment page = page(port);
        if (page != null) {
            testAndClear(page, port, EvtchnFifo.PENDING);
        }
    }

    /** {@code evtchn_fifo_unmask}: clear MASKED, relink if pending. */
    @Override
    public void unmask(Vcpu notify, int port) {
        MemorySegment page = page(port);
        if (page == null) {
            return;
        }
        testAndClear(page, port, EvtchnFifo.MASKED);
        if (test(page, port, EvtchnFifo.PENDING)) {
            setPending(notify, port);
        }
    }

    @Override
    public boolean isPending(int port) {
        MemorySegment page = page(port);
        return page != null && test(page, port, EvtchnFifo.PENDING);
    }

    @Override
    public boolean isMasked(int port) {
        MemorySegment page = page(port);
        return page == null || test(page, port, EvtchnFifo.MASKED);
    }

    @Override
    public boolean isBusy(int port) {
        MemorySegment page = page(port);
        return page != null && test(page, port, EvtchnFifo.LINKED);
    }

    /** {@code evtchn_fifo_set_priority}: only future linking changes. */
    @Override
    public int setPriority(int port, long prio) {
        if (prio < 0 || prio > EvtchnFifo.PRIORITY_MIN) {
            return -XenErrno.EINVAL;
        }
        priority[port] = (byte) prio;
        return 0;
    }
}
