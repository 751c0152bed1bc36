package io.jxen.host;

import io.jxen.abi.XenPage;
import io.jxen.host.toolstack.Privcmd;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.host.backend.VbdBackends;
import io.jxen.host.console.ConsoleBackend;
import io.jxen.host.control.HostControl;
import io.jxen.host.control.HostStats;
import io.jxen.host.xenstored.HostXenstored;
import io.jxen.host.toolstack.JvmKernels;
import io.jxen.host.toolstack.Toolstack;
import io.jxen.host.toolstack.ToolstackException;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.time.timer.TimerIdleStrategy;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.timekeeping.JxenTime;
import io.jxen.runtime.Agent;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.Clock;
import io.jxen.runtime.IdleStrategy;
import io.jxen.runtime.SystemClock;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One host in one JVM: machine memory, the hypervisor, dom0, xenstored on a Unix socket and
 * the toolstack connected to it (the shape {@code jxen up} and {@code jxen demo} use).
 *
 * <p>dom0 is domain 0, privileged, unpaused. Two of its pages are reserved, both just below
 * its start_info: the toolstack's hypercall buffer ({@code start_info - 1}) and dom0's own
 * xenstore ring ({@code start_info - 2}). That ring and an unbound dom0 port for it are what
 * NetBSD's dom0 kernel exports as {@code /kern/xen/xsd_mfn} and {@code xsd_port} for a
 * xenstored in dom0 user space: jxen writes them in dom0's start_info
 * ({@code store_mfn}/{@code store_evtchn}) for dom0's kernel, and xenstored serves that ring
 * ({@code HypervisorRings.serveDom0}), so dom0's kernel reaches xenstore over it as any guest.
 */
public final class Host implements AutoCloseable {

    /**
     * What a host is made of.
     *
     * @param directory      where the memory file and the xenstored socket go
     * @param frames         machine frames (4 KiB each)
     * @param dom0Pages      dom0's memory in pages
     * @param clock          the only time source
     * @param runLifecycle   run the toolstack's lifecycle agent and the hypervisor's agents
     *                       (timers, pvclock refresh, watchdogs) on threads of their own
     *                       (false: the caller steps {@code toolstack().doWork()} and
     *                       {@code hypervisor().agents()}, as simulation tests do)
     */
    public record Options(Path directory, long frames, long dom0Pages, Clock clock, boolean runLifecycle) {
        /** Checks the values. */
        public Options {
            Objects.requireNonNull(directory);
            Objects.requireNonNull(clock);
            if (dom0Pages < 4) {
                throw new IllegalArgumentException("dom0 needs at least 4 pages, was " + dom0Pages);
            }
        }
    }

    private final HostDirectoryLock claim;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private final MachineMemory memory;
    private final Hypervisor hv;
    private final HostXenstored xenstored;
    private final XenstoreClient xs;
    private final Toolstack toolstack;
    private final long xsdMfn;
    private final int xsdPort;
    private final GuestKernel dom0;
    private final List<AutoCloseable> running;
    private final ConsoleBackend consoles;
    private final HostControl control;
    private final HostStats stats;
    private final VbdBackends blockBackends;

    /** The machine memory file's name in the host's directory (domains in JVMs of their own map it). */
    public static final String MEMORY_FILE = "host.mem";

    /** The control socket's name in the host's directory. */
    public static final String CONTROL_SOCKET = "control.sock";

    private Host(HostDirectoryLock claim, MachineMemory memory, Hypervisor hv, GuestKernel dom0, HostXenstored xenstored, XenstoreClient xs,
                 Toolstack toolstack, long xsdMfn, int xsdPort, ConsoleBackend consoles, HostControl control,
                 HostStats stats, VbdBackends blockBackends, List<AutoCloseable> running) {
        this.stats = stats;
        this.blockBackends = blockBackends;
        this.consoles = consoles;
        this.control = control;
        this.memory = memory;
        this.claim = claim;
        this.hv = hv;
        this.xenstored = xenstored;
        this.xs = xs;
        this.toolstack = toolstack;
        this.xsdMfn = xsdMfn;
        this.xsdPort = xsdPort;
        this.dom0 = dom0;
        this.running = running;
    }

    /**
     * Starts a host.
     *
     * @throws IOException        if the memory file or the socket cannot be made
     * @throws ToolstackException if dom0's setup fails
     */
    public static Host start(Options o) throws IOException, ToolstackException {
        Path memoryFile = o.directory().resolve(MEMORY_FILE);
        HostDirectoryLock claim = HostDirectoryLock.take(o.directory(), memoryFile);
        MachineMemory memory;
        try {
            memory = MachineMemory.create(memoryFile, o.frames());
        } catch (IOException | RuntimeException e) {
            claim.close();
            throw e;
        }
        HostXenstored xenstored = null;
        XenstoreClient xs = null;
        List<AutoCloseable> running = new ArrayList<>();
        try {
            // Host time is jxen-time's: TSC, pvclock and wallclock publication, vCPU timers.
            Hypervisor hv = new Hypervisor(memory, o.clock(), new JxenTime(new HostTime(o.clock())));
            // dom0's maxPages leaves an unpopulated hole for blkback's grant windows (persistent
            // grants of every queue of every device), see VbdBackends.WINDOW_RESERVE_PAGES.
            DomainConfig dom0Base = DomainConfig.of(o.dom0Pages(), 1);
            Domain dom0 = hv.createDomain(new DomainConfig(dom0Base.memoryPages(),
                    dom0Base.memoryPages() + VbdBackends.WINDOW_RESERVE_PAGES, dom0Base.vcpus(),
                    dom0Base.maxGrantFrames(), dom0Base.maxEvtchnPort()));
            hv.unpause(0);
            // dom0 is a booted kernel like any domain; the toolstack's hypercall buffer,
            // xenstored's, and dom0's own store ring (NetBSD's xsd_mfn) are pages it allocates.
            GuestKernel dom0Kernel = GuestKernel.boot(hv.platform(0), GuestKernel.Options.defaults(o.clock()));
            long privcmdGfn = dom0Kernel.pages().allocPage();
            long xsdMfn = dom0Kernel.pages().allocPage();
            long xenstoredGfn = dom0Kernel.pages().allocPage();
            // xenstored serves dom0's socket and, once the toolstack introduces a domain, its
            // ring (through the guest's reserved xenstore grant).
            // With the lifecycle running, dom0's vCPU takes upcalls on a thread (VcpuThreads, below),
            // so the rings' agent can sleep until a store port fires; otherwise it polls.
            xenstored = HostXenstored.start(hv, o.directory().resolve("xenstored.sock"), null,
                    xenstoredGfn << XenPage.SHIFT, o.runLifecycle() ? dom0Kernel.intr() : null);
            xs = XenstoreClient.connect(xenstored.server().socket());
            Privcmd privcmd = new Privcmd(hv.hypercalls(0, 0), hv.platform(0).memory(), privcmdGfn << XenPage.SHIFT);
            hv.platform(0).memory().zero(xsdMfn << XenPage.SHIFT, XenPage.SIZE);
            int xsdPort = privcmd.allocUnbound(0, 0);
            dom0.setStore(xsdMfn, xsdPort);
            // xenstored serves that ring too, privileged, as C xenstored's dom0_init.
            xenstored.rings().serveDom0(xsdMfn, xsdPort);
            Toolstack toolstack = new Toolstack(hv, xs, privcmd);
            toolstack.initDom0();
            ConsoleBackend consoles = null;
            HostControl control = null;
            VbdBackends blockBackends = null;
            HostStats stats = new HostStats(hv, toolstack, Map::of);
            if (o.runLifecycle()) {
                ErrorHandler errors = (failed, error) -> System.getLogger("jxen.host").log(System.Logger.Level.ERROR,
                        failed.roleName() + ": " + error.getMessage(), error);
                List<Agent> agents = new ArrayList<>(hv.agents());
                agents.add(toolstack);
                for (Agent agent : agents) {
                    // The timer agent waits for its next deadline (TimerIdleStrategy) on the host
                    // clock; a backoff would fire timers up to its longest park (1 ms) late. The
                    // others (pvclock refresh each second, watchdogs, the lifecycle agent, which
                    // the toolstack wakes when it queues an event) park up to 50 ms.
                    IdleStrategy idle = agent instanceof TimerQueue timers && o.clock() == SystemClock.INSTANCE
                            ? new TimerIdleStrategy(timers) : BackoffIdleStrategy.deadlines();
                    AgentRunner runner = AgentRunner.start(agent, idle, errors);
                    if (agent == toolstack) {
                        toolstack.setEventQueued(runner::wake);
                    }
                    running.add(runner);
                }
                // kernel = "jvm:<main class>" domains (driver domains) boot in JVMs of their own.
                JvmKernels kernels = new JvmKernels(hv, o.directory());
                toolstack.setJvmKernels(kernels);
                running.add(kernels);
                // dom0's vCPU takes its interrupts (blkback's event channels) on a thread, and
                // its block backends answer the vbd nodes the toolstack writes.
                running.add(VcpuThreads.start(dom0Kernel));
                try {
                    VbdBackends vbds = VbdBackends.start(dom0Kernel, xs, o.clock(), dom0Kernel.nrPages() + 16, errors);
                    running.add(vbds);
                    blockBackends = vbds;
                    // xenconsoled: every guest's primary console, and the control socket through
                    // which jxen console / xenbus list reach this host from other processes
                    consoles = ConsoleBackend.start(dom0Kernel, xs, hv.host().memory()::frame);
                    stats = new HostStats(hv, toolstack, vbds::statistics);
                    try {
                        control = HostControl.start(o.directory().resolve(CONTROL_SOCKET), toolstack, xs, consoles,
                                stats);
                    } catch (IOException | RuntimeException e) {
                        consoles.close();
                        throw e;
                    }
                    // Closed in reverse: the consoles first (each ring read a last time, each
                    // client's stream ended after its output), then the control socket, which
                    // lets console sessions forward that output before it drops them.
                    running.add(control);
                    running.add(consoles);
                } catch (XenstoreException e) {
                    throw new IOException("starting dom0's backends: " + e.getMessage(), e);
                }
            }
            return new Host(claim, memory, hv, dom0Kernel, xenstored, xs, toolstack, xsdMfn, xsdPort, consoles,
                    control, stats, blockBackends, List.copyOf(running));
        } catch (IOException | ToolstackException | RuntimeException e) {
            // What already started (agent runners, vCPU threads, JVM kernels, backends) stops
            // too, in reverse order, or its threads would outlive the failed start.
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (xs != null) {
                xs.close();
            }
            if (xenstored != null) {
                xenstored.close();
            }
            try {
                memory.delete();
            } finally {
                claim.close();
            }
            throw e;
        }
    }

    /** dom0's kernel (where backends run). */
    public GuestKernel dom0() {
        return dom0;
    }

    /** The hypervisor. */
    public Hypervisor hypervisor() {
        return hv;
    }

    /** xenstored's socket daemon (its core also serves the guests' rings). */
    public XenstoredServer xenstored() {
        return xenstored.server();
    }

    /** The toolstack's dom0 connection to xenstored. */
    public XenstoreClient xenstore() {
        return xs;
    }

    /**
     * What {@code xl list}, {@code vcpu-list}, {@code info} and {@code top} print (runstate
     * times, pages, and dom0's blkback counters when this host runs its lifecycle).
     */
    public HostStats stats() {
        return stats;
    }

    /** dom0's block backends (blkback on the vbd nodes), or null when the host runs no lifecycle. */
    public VbdBackends blockBackends() {
        return blockBackends;
    }

    /** The toolstack (xl's engine). */
    public Toolstack toolstack() {
        return toolstack;
    }

    /** The JVMs of {@code kernel = "jvm:..."} domains; null unless the host runs its lifecycle. */
    public JvmKernels jvmKernels() {
        return toolstack.jvmKernels();
    }

    /** dom0's console backend (xenconsoled); null unless the host runs its lifecycle. */
    public ConsoleBackend consoles() {
        return consoles;
    }

    /** The control socket ({@code jxen console}, {@code jxen xenbus list}); null unless the host runs its lifecycle. */
    public HostControl control() {
        return control;
    }

    /** dom0's xenstore ring page, a dom0 frame number (NetBSD's {@code xsd_mfn}). */
    public long xsdMfn() {
        return xsdMfn;
    }

    /** dom0's unbound port for xenstored (NetBSD's {@code xsd_port}). */
    public int xsdPort() {
        return xsdPort;
    }

    /** Destroys every guest, stops xenstored and releases machine memory; later calls do nothing. */
    @Override
    public void close() throws IOException {
        if (!closing.compareAndSet(false, true)) {
            return; // closed, or closing on another thread (jxen run's signal hook)
        }
        // Stop in reverse start order: backends before dom0's vCPU, agents last.
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                System.getLogger("jxen.host").log(System.Logger.Level.WARNING, "stopping: " + e.getMessage());
            }
        }
        try {
            for (int domid : toolstack.guests()) {
                try {
                    toolstack.destroy(domid);
                } catch (ToolstackException e) {
                    System.getLogger("toolstack").log(System.Logger.Level.WARNING, e.getMessage());
                }
            }
        } finally {
            xs.close();
            xenstored.close();
            try {
                memory.delete(); // a stopped host leaves no memory file behind (the next start needs none)
            } finally {
                claim.close();
            }
        }
    }
}
