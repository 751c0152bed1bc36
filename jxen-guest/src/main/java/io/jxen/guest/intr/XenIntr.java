package io.jxen.guest.intr;

import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.evtchn.EvtchnLimits;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.GuestVcpu;
import io.jxen.guest.XenException;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * FreeBSD's {@code xen_intr} (sys/x86/xen/xen_intr.c) over the 2-level event-channel ABI: a
 * dynamic map between event-channel ports and IRQ numbers, binding of local, interdomain,
 * VIRQ and IPI ports (PIRQs are refused), handlers run as filters in the upcall or on
 * interrupt threads, per-vCPU delivery ({@code EVTCHNOP_bind_vcpu}) with round-robin
 * spreading, and named per-IRQ counters ({@link #vmstat()}).
 *
 * <p>The upcall ({@link #upcall}) is Linux's {@code evtchn_2l_handle_events}: clear
 * {@code evtchn_upcall_pending} first, exchange the selector with 0, handle this vCPU's
 * {@code VIRQ_TIMER} port first, then walk the selector's words and each word's
 * {@code pending & ~mask & (ports bound to this vCPU)} bits round-robin from where the previous
 * upcall stopped, so a busy low port cannot starve a high one. Each port's pending bit is
 * cleared before its handler runs (edge semantics: an event arriving during the handler raises
 * a new upcall).
 *
 * <p>All ports start masked; binding unmasks through {@code EVTCHNOP_unmask}, which re-delivers
 * an event that was already pending (an interdomain bind always leaves one).
 *
 * <p>With {@link GuestKernel.Options#fifoEventChannels()} the same layer runs over the FIFO ABI
 * ({@link FifoEvents}): masking and acknowledging use the port's event word, binding first grows
 * the event array to cover the port, and the upcall consumes the vCPU's priority queues instead
 * of scanning bitmaps (Xen queues a port on the vCPU it is bound to).
 */
public final class XenIntr {

    /** First IRQ number handed out (FreeBSD's {@code first_evtchn_irq} sits above the I/O APIC pins). */
    public static final int FIRST_EVTCHN_IRQ = 256;
    /** Ports of the 2-level ABI on x86_64. */
    public static final int NR_PORTS = EvtchnLimits.EVTCHN_2L_NR_CHANNELS;

    private static final int BITS = 64;
    private static final int WORDS = NR_PORTS / BITS;

    /** One bound IRQ (FreeBSD's {@code struct xenisrc}). */
    private static final class Source {
        final int irq;
        final String name;
        final IntrType type;
        final int port;
        final int virq;
        final boolean closeOnUnbind;
        final IrqHandler handler;
        final AtomicLong count = new AtomicLong();
        final HandlerThreadState thread = new HandlerThreadState();
        volatile int vcpu;

        Source(int irq, String name, IntrType type, int port, int vcpu, int virq, boolean closeOnUnbind, IrqHandler handler) {
            this.irq = irq;
            this.name = name;
            this.type = type;
            this.port = port;
            this.vcpu = vcpu;
            this.virq = virq;
            this.closeOnUnbind = closeOnUnbind;
            this.handler = handler;
        }
    }

    /** Per-vCPU scan position and this vCPU's port mask ({@code cpu_evtchn_mask}). */
    private static final class VcpuState {
        final AtomicLongArray cpuMask = new AtomicLongArray(WORDS);
        int wordIdx;
        int bitIdx;
        volatile int timerPort = -1;
    }

    private final GuestKernel kernel;
    private final Executor threads;
    private final MemorySegment sharedInfo;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReferenceArray<Source> byPort;
    /** The FIFO ABI's event array and control blocks, or null for 2-level. */
    private final FifoEvents fifo;
    private final int nrPorts;
    private final TreeMap<Integer, Source> byIrq = new TreeMap<>();
    private final VcpuState[] perVcpu;
    private final AtomicLong stray = new AtomicLong();
    private final AtomicLong handlerFailures = new AtomicLong();
    private volatile Throwable lastHandlerFailure;
    private int nextSpreadVcpu;

    /**
     * Brings up the interrupt layer of a booted kernel: masks every port.
     *
     * @param kernel  the kernel (its vCPUs and shared_info)
     * @param threads where threaded handlers run
     */
    public XenIntr(GuestKernel kernel, Executor threads) {
        this.kernel = kernel;
        this.threads = Objects.requireNonNull(threads);
        this.sharedInfo = kernel.sharedInfo();
        this.perVcpu = new VcpuState[kernel.vcpus()];
        for (int i = 0; i < perVcpu.length; i++) {
            perVcpu[i] = new VcpuState();
        }
        for (int w = 0; w < WORDS; w++) { // xen_evtchn_mask_all
            OrderedAccess.setLongVolatile(sharedInfo, maskOffset(w), -1L);
        }
        this.fifo = kernel.options().fifoEventChannels() ? new FifoEvents(kernel) : null;
        this.nrPorts = fifo != null ? EvtchnFifo.NR_CHANNELS : NR_PORTS;
        this.byPort = new AtomicReferenceArray<>(nrPorts);
    }

    /** Whether the FIFO ABI is in use. */
    public boolean fifo() {
        return fifo != null;
    }

    /** Sets the port's mask; returns whether it was set already. */
    private boolean maskPort(int port) {
        return fifo != null ? fifo.mask(port)
                : OrderedAccess.testAndSetBit(sharedInfo, maskOffset(port / BITS), port % BITS);
    }

    /** Acknowledges the port: clears its pending state; returns whether it was pending. */
    private boolean clearPending(int port) {
        return fifo != null ? fifo.clearPending(port)
                : OrderedAccess.testAndClearBit(sharedInfo, pendingOffset(port / BITS), port % BITS);
    }

    private static long pendingOffset(int word) {
        return SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (long) word * Long.BYTES;
    }

    private static long maskOffset(int word) {
        return SharedInfoDescriptor.EVTCHN_MASK_OFFSET + (long) word * Long.BYTES;
    }

    private GuestVcpu boot() {
        return kernel.vcpu(0);
    }

    // ---- binding ------------------------------------------------------------------------------

    private static long check(String what, long rc) {
        if (rc < 0) {
            throw new XenException(what, rc);
        }
        return rc;
    }

    private int register(String name, IntrType type, int port, int vcpu, int virq, boolean close, IrqHandler handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        lock.lock();
        try {
            if (byPort.get(port) != null) {
                throw new IllegalStateException("port " + port + " is already bound to irq " + byPort.get(port).irq);
            }
            if (fifo != null) {
                fifo.ensurePort(port);
            }
            int irq = FIRST_EVTCHN_IRQ;
            for (int used : byIrq.keySet()) {
                if (used != irq) {
                    break;
                }
                irq++;
            }
            Source s = new Source(irq, name, type, port, vcpu, virq, close, handler);
            byIrq.put(irq, s);
            byPort.set(port, s);
            setCpuMaskBit(vcpu, port, true);
            if (type == IntrType.VIRQ && virq == Virq.TIMER) {
                perVcpu[vcpu].timerPort = port;
            }
            EventChannelOps.unmask(boot(), port);
            return irq;
        } finally {
            lock.unlock();
        }
    }

    private void setCpuMaskBit(int vcpu, int port, boolean on) {
        if (fifo != null) {
            return; // FIFO: Xen queues the port on its vCPU, no per-vCPU filter
        }
        AtomicLongArray m = perVcpu[vcpu].cpuMask;
        long bit = 1L << (port % BITS);
        if (on) {
            m.getAndUpdate(port / BITS, w -> w | bit);
        } else {
            m.getAndUpdate(port / BITS, w -> w & ~bit);
        }
    }

    /**
     * Binds a local port the caller owns ({@code xen_intr_bind_local_port}); unbinding leaves
     * the port open.
     *
     * @return the IRQ
     */
    public int bindLocalPort(String name, int port, IrqHandler handler) {
        if (port <= 0 || port >= nrPorts) {
            throw new IllegalArgumentException("port " + port + " outside 1.." + (nrPorts - 1));
        }
        return register(name, IntrType.PORT, port, 0, -1, false, handler);
    }

    /**
     * Allocates an unbound port for {@code remoteDom} and binds it
     * ({@code xen_intr_alloc_and_bind_local_port}); unbinding closes it.
     *
     * @return the IRQ; {@link #port(int)} tells the port to advertise
     * @throws XenException if Xen refuses the allocation
     */
    public int allocAndBindLocalPort(String name, int remoteDom, IrqHandler handler) {
        int port = (int) check("EVTCHNOP_alloc_unbound(remote d" + remoteDom + ")",
                EventChannelOps.allocUnbound(boot(), remoteDom));
        return bindClosing(name, IntrType.PORT, port, 0, -1, handler);
    }

    private int bindClosing(String name, IntrType type, int port, int vcpu, int virq, IrqHandler handler) {
        try {
            return register(name, type, port, vcpu, virq, true, handler);
        } catch (RuntimeException e) {
            EventChannelOps.close(boot(), port);
            throw e;
        }
    }

    /**
     * Binds to another domain's unbound port ({@code xen_intr_bind_remote_port}).
     *
     * @return the IRQ
     * @throws XenException {@code -EINVAL} if the remote port is not unbound for us, {@code -ESRCH} for no such domain
     */
    public int bindInterdomain(String name, int remoteDom, int remotePort, IrqHandler handler) {
        int port = (int) check("EVTCHNOP_bind_interdomain(d" + remoteDom + " port " + remotePort + ")",
                EventChannelOps.bindInterdomain(boot(), remoteDom, remotePort));
        return bindClosing(name, IntrType.INTERDOMAIN, port, 0, -1, handler);
    }

    /**
     * Binds a VIRQ on {@code vcpu} ({@code xen_intr_bind_virq}); per-vCPU VIRQs such as
     * {@code VIRQ_TIMER} are bound once per vCPU.
     *
     * @return the IRQ
     * @throws XenException {@code -EEXIST} if already bound there, {@code -EINVAL}, {@code -ENOENT}
     */
    public int bindVirq(String name, int virq, int vcpu, IrqHandler handler) {
        checkVcpu(vcpu);
        int port = (int) check("EVTCHNOP_bind_virq(" + virq + ", vcpu " + vcpu + ")",
                EventChannelOps.bindVirq(kernel.vcpu(vcpu), virq, vcpu));
        return bindClosing(name, IntrType.VIRQ, port, vcpu, virq, handler);
    }

    /**
     * Binds an IPI delivered to {@code vcpu} ({@code xen_intr_alloc_and_bind_ipi}).
     *
     * @return the IRQ; {@link #notify(int)} raises it
     */
    public int bindIpi(String name, int vcpu, IrqHandler handler) {
        checkVcpu(vcpu);
        int port = (int) check("EVTCHNOP_bind_ipi(vcpu " + vcpu + ")", EventChannelOps.bindIpi(kernel.vcpu(vcpu), vcpu));
        return bindClosing(name, IntrType.IPI, port, vcpu, -1, handler);
    }

    /**
     * Physical IRQs are not supported: jxen guests have no passed-through devices.
     *
     * @throws UnsupportedOperationException always
     */
    public int bindPirq(String name, int pirq, IrqHandler handler) {
        throw new UnsupportedOperationException("PIRQ binding is not supported by jxen's xen_intr (pirq " + pirq
                + " for " + name + "): guests have no physical devices");
    }

    private void checkVcpu(int vcpu) {
        if (vcpu < 0 || vcpu >= perVcpu.length) {
            throw new IllegalArgumentException("no vCPU " + vcpu + " (guest has " + perVcpu.length + ")");
        }
    }

    private Source source(int irq) {
        lock.lock();
        try {
            Source s = byIrq.get(irq);
            if (s == null) {
                throw new IllegalArgumentException("irq " + irq + " is not bound");
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Unbinds: masks the port, forgets the IRQ and closes the port unless the caller owns it.
     *
     * @throws IllegalArgumentException if the IRQ is not bound
     */
    public void unbind(int irq) {
        lock.lock();
        try {
            Source s = source(irq);
            maskPort(s.port);
            byIrq.remove(irq);
            byPort.set(s.port, null);
            setCpuMaskBit(s.vcpu, s.port, false);
            if (perVcpu[s.vcpu].timerPort == s.port) {
                perVcpu[s.vcpu].timerPort = -1;
            }
            if (s.closeOnUnbind) {
                EventChannelOps.close(boot(), s.port);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Delivers the IRQ's events to {@code vcpu} ({@code xen_intr_assign_cpu}): masks the port,
     * {@code EVTCHNOP_bind_vcpu}, moves it in the per-vCPU masks, unmasks (re-delivering an event
     * that arrived meanwhile).
     *
     * @throws XenException {@code -EINVAL} for per-vCPU VIRQs and IPIs, which cannot move
     */
    public void bindVcpu(int irq, int vcpu) {
        checkVcpu(vcpu);
        lock.lock();
        try {
            Source s = source(irq);
            if (s.vcpu == vcpu) {
                return;
            }
            boolean wasMasked = maskPort(s.port);
            long rc = EventChannelOps.bindVcpu(boot(), s.port, vcpu);
            if (rc < 0) {
                if (!wasMasked) {
                    EventChannelOps.unmask(boot(), s.port);
                }
                throw new XenException("EVTCHNOP_bind_vcpu(port " + s.port + ", vcpu " + vcpu + ")", rc);
            }
            setCpuMaskBit(s.vcpu, s.port, false);
            s.vcpu = vcpu;
            setCpuMaskBit(vcpu, s.port, true);
            if (!wasMasked) {
                EventChannelOps.unmask(boot(), s.port);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the IRQ to the next vCPU in round-robin order (load spreading, as an interrupt
     * balancer would).
     *
     * @return the vCPU chosen
     */
    public int spread(int irq) {
        int target;
        lock.lock();
        try {
            target = nextSpreadVcpu;
            nextSpreadVcpu = (nextSpreadVcpu + 1) % perVcpu.length;
            bindVcpu(irq, target);
        } finally {
            lock.unlock();
        }
        return target;
    }

    /**
     * Raises the IRQ's event channel ({@code xen_intr_signal}): the remote end of an interdomain
     * port, or the target vCPU of an IPI.
     *
     * @throws XenException if Xen refuses
     */
    public void notify(int irq) {
        Source s = source(irq);
        check("EVTCHNOP_send(port " + s.port + ")", EventChannelOps.send(boot(), s.port));
    }

    /**
     * Attaches {@code poller} to the IRQ's interdomain port for the peer domain's threads to run
     * ({@link io.jxen.hypercall.ChannelPoller}); null detaches.
     *
     * @return false where the hypervisor is in another process or the port is not interdomain
     */
    public boolean attachPoller(int irq, io.jxen.hypercall.ChannelPoller poller) {
        return kernel.platform().attachPoller(source(irq).port, poller);
    }

    /**
     * The poller the peer attached to the far end of the IRQ's interdomain port, or null.
     */
    public io.jxen.hypercall.ChannelPoller peerPoller(int irq) {
        return kernel.platform().peerPoller(source(irq).port);
    }

    /** Masks the IRQ's port ({@code xen_intr_disable_source}). */
    public void mask(int irq) {
        Source s = source(irq);
        maskPort(s.port);
    }

    /** Unmasks the IRQ's port through Xen, which re-delivers a pending event. */
    public void unmask(int irq) {
        Source s = source(irq);
        check("EVTCHNOP_unmask(port " + s.port + ")", EventChannelOps.unmask(boot(), s.port));
    }

    /** The IRQ's port. */
    public int port(int irq) {
        return source(irq).port;
    }

    /** The vCPU the IRQ is delivered to. */
    public int vcpuOf(int irq) {
        return source(irq).vcpu;
    }

    /** The IRQ bound to {@code port}, or -1. */
    public int irqOfPort(int port) {
        Source s = port >= 0 && port < nrPorts ? byPort.get(port) : null;
        return s == null ? -1 : s.irq;
    }

    /** Times the IRQ's handler ran. */
    public long count(int irq) {
        return source(irq).count.get();
    }

    /** The count of the IRQ named {@code name}, or -1 if none. */
    public long count(String name) {
        for (IrqStat s : stats()) {
            if (s.name().equals(name)) {
                return s.count();
            }
        }
        return -1;
    }

    /** Pending events on ports no IRQ is bound to (cleared and dropped). */
    public long strayEvents() {
        return stray.get();
    }

    /** Handlers that threw (the upcall carries on). */
    public long handlerFailures() {
        return handlerFailures.get();
    }

    /** The last exception a handler threw, or null. */
    public Throwable lastHandlerFailure() {
        return lastHandlerFailure;
    }

    /** Every bound IRQ, by number. */
    public List<IrqStat> stats() {
        lock.lock();
        try {
            List<IrqStat> out = new ArrayList<>(byIrq.size());
            for (Source s : byIrq.values()) {
                out.add(new IrqStat(s.irq, s.name, s.type, s.port, s.vcpu, s.count.get()));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The counters as FreeBSD's {@code vmstat -i} prints them: one line per IRQ with its total
     * and its rate per second since boot, then the sums.
     */
    public String vmstat() {
        long seconds = Math.max(1, kernel.uptimeNanos() / 1_000_000_000L);
        StringBuilder b = new StringBuilder(String.format("%-24s %20s %10s%n", "interrupt", "total", "rate"));
        long total = 0;
        for (IrqStat s : stats()) {
            b.append(String.format("%-24s %20d %10d%n", "irq" + s.irq() + ": " + s.name(), s.count(), s.count() / seconds));
            total += s.count();
        }
        b.append(String.format("%-24s %20d %10d%n", "Total", total, total / seconds));
        return b.toString();
    }

    // ---- the upcall ---------------------------------------------------------------------------

    private long activeBits(VcpuState st, int word) {
        long pending = OrderedAccess.getLongVolatile(sharedInfo, pendingOffset(word));
        long masked = OrderedAccess.getLongVolatile(sharedInfo, maskOffset(word));
        return pending & ~masked & st.cpuMask.get(word);
    }

    /**
     * The event-channel upcall of {@code vcpu}, run by {@link GuestVcpu} with events masked.
     *
     * @return ports handled
     */
    public int upcall(GuestVcpu vcpu) {
        VcpuState st = perVcpu[vcpu.id()];
        MemorySegment info = vcpu.vcpuInfo();
        // Master flag first, then the selector (xen.h: clear evtchn_upcall_pending before scanning).
        OrderedAccess.setByteVolatile(info, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
        if (fifo != null) {
            return fifo.consume(vcpu.id(), info, this::handlePort);
        }
        long pendingWords = OrderedAccess.getAndClearLong(info, VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET);
        int handled = 0;
        int timer = st.timerPort;
        if (timer >= 0 && (activeBits(st, timer / BITS) & (1L << (timer % BITS))) != 0) {
            handled += handlePort(timer);
        }
        // Resume where the last upcall stopped. The starting word is scanned twice: first from
        // the saved bit upwards, then whole, so its lower bits are not left behind with their
        // selector bit already consumed.
        int startWord = st.wordIdx;
        int startBit = st.bitIdx;
        int wordIdx = startWord;
        boolean firstPass = true;
        while (pendingWords != 0) {
            long ahead = pendingWords & (-1L << wordIdx);
            if (ahead == 0) {
                wordIdx = 0; // wrap to the lowest pending word
                continue;
            }
            wordIdx = Long.numberOfTrailingZeros(ahead);
            int bitIdx = wordIdx == startWord && firstPass ? startBit : 0;
            while (true) {
                long bits = activeBits(st, wordIdx) & (-1L << bitIdx);
                if (bits == 0) {
                    break;
                }
                int bit = Long.numberOfTrailingZeros(bits);
                handled += handlePort(wordIdx * BITS + bit);
                bitIdx = (bit + 1) % BITS;
                // The next upcall starts after the last port handled.
                st.wordIdx = bitIdx != 0 ? wordIdx : (wordIdx + 1) % BITS;
                st.bitIdx = bitIdx;
                if (bitIdx == 0) {
                    break;
                }
            }
            if (wordIdx != startWord || !firstPass) {
                pendingWords &= ~(1L << wordIdx);
            }
            if (wordIdx == startWord) {
                firstPass = false;
            }
            wordIdx = (wordIdx + 1) % BITS;
        }
        return handled;
    }

    private int handlePort(int port) {
        if (!clearPending(port)) {
            return 0;
        }
        Source s = byPort.get(port);
        if (s == null) {
            stray.incrementAndGet();
            return 1;
        }
        s.count.incrementAndGet();
        if (s.handler.kind() == IrqHandler.Kind.FILTER) {
            runHandler(s);
            return 1;
        }
        if (!s.handler.edge()) {
            // Level-style threaded handler: keep the port masked until the thread has run.
            maskPort(port);
        }
        if (s.thread.event()) {
            threads.execute(() -> runThread(s));
        }
        return 1;
    }

    private void runThread(Source s) {
        do {
            s.thread.starting();
            runHandler(s);
        } while (!s.thread.finished());
        if (!s.handler.edge() && byPort.get(s.port) == s) {
            EventChannelOps.unmask(boot(), s.port);
        }
    }

    private void runHandler(Source s) {
        try {
            s.handler.action().run();
        } catch (RuntimeException | Error e) {
            handlerFailures.incrementAndGet();
            lastHandlerFailure = e;
        }
    }
}
