package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.HypervisorLock;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.DomainListener;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.hv.evtchn.EventChannelOps;
import io.jxen.hv.evtchn.EventChannels;
import io.jxen.hv.gnttab.GrantTableOps;
import io.jxen.hv.hypercall.ConsoleIoOps;
import io.jxen.hv.hypercall.HvmOps;
import io.jxen.hv.hypercall.HypercallTable;
import io.jxen.hv.hypercall.VcpuInstructions;
import io.jxen.hv.hypercall.MulticallHandler;
import io.jxen.hv.hypercall.PlatformOps;
import io.jxen.hv.hypercall.Preemption;
import io.jxen.hv.hypercall.VcpuHypercalls;
import io.jxen.hv.hypercall.XenVersionOps;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hv.mm.MemoryOps;
import io.jxen.hv.mm.pv.MmuOps;
import io.jxen.hv.mm.pv.PageTypes;
import io.jxen.hv.sched.SchedOps;
import io.jxen.hv.sched.VcpuOps;
import io.jxen.hypercall.GuestCpu;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.MachineMemory;
import io.jxen.memory.futex.Doorbell;
import io.jxen.hv.timekeeping.DomainTimekeeping;
import io.jxen.hv.timekeeping.HvmTimers;
import io.jxen.hv.timekeeping.Timekeeping;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;
import io.jxen.runtime.HaltPoll;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hypervisor of one host: the domain table, the hypercall table and the operations behind
 * it. The toolstack (in-process) calls {@link #createDomain}, {@link #destroyDomain},
 * {@link #pause}/{@link #unpause}; guests get a {@link Hypercalls} per vCPU from
 * {@link #hypercalls(int, int)} and their memory view from {@link Domain#guestPhysicalMemory()}.
 *
 * <p>All state changes happen under one lock; vCPUs blocked in {@code SCHEDOP_block} wait on its
 * condition and are woken whenever an upcall becomes pending.
 */
public final class Hypervisor implements DomainLookup {

    /** Domain ids a guest can be given: 0 .. {@code DOMID_FIRST_RESERVED - 1}. */
    public static final int MAX_DOMID = DomId.FIRST_RESERVED - 1;

    private final HostMemory host;
    private final Clock clock;
    /** One big lock, fair so that preemption points in long batches really hand over. */
    private final HypervisorLock lock = new HypervisorLock();
    private final TreeMap<Integer, Domain> domains = new TreeMap<>();
    private final List<DomainListener> listeners = new ArrayList<>();
    private final HypercallTable table = new HypercallTable();
    private final EventChannelOps eventChannelOps;
    private final GrantTableOps grantTableOps;
    private final AtomicLong internalErrors = new AtomicLong();
    private final AtomicReference<Throwable> lastInternalError = new AtomicReference<>();
    private boolean everCreated;
    /** The last id {@link #nextFreeDomid} handed out (Xen's {@code rover}); guarded by {@code lock}. */
    private int domidRover;
    private volatile java.util.function.Consumer<String> console = text -> { };
    private final long bootNanos;
    private final SchedOps schedOps;
    private final Timekeeping timekeeping;
    private final MmuOps mmuOps;
    private final HvmOps hvmOps;
    private final HaltPoll haltPoll;

    /**
     * @param memory machine memory this process created (it allocates the frames)
     * @param clock  the only source of time
     */
    public Hypervisor(MachineMemory memory, Clock clock) {
        this(memory, clock, null);
    }

    /**
     * @param memory      machine memory this process created (it allocates the frames)
     * @param clock       the only source of time
     * @param timekeeping host time (pvclock, wallclock, vCPU timers), or null for none: then the
     *                    timer hypercalls answer {@code -ENOSYS} and system time is the clock's
     *                    time since this constructor ran
     */
    public Hypervisor(MachineMemory memory, Clock clock, Timekeeping timekeeping) {
        this(memory, clock, timekeeping, HaltPoll.forClock(clock));
    }

    /**
     * @param memory      machine memory this process created (it allocates the frames)
     * @param clock       the only source of time
     * @param timekeeping host time, or null for none (see above)
     * @param haltPoll    how a blocking vCPU waits: halt-polls first ({@code -Djxen.haltPoll},
     *                    {@link HaltPoll#forClock}: on by default on the system clock, never in
     *                    simulation) or sleeps at once ({@link HaltPoll#off()})
     */
    public Hypervisor(MachineMemory memory, Clock clock, Timekeeping timekeeping, HaltPoll haltPoll) {
        this.haltPoll = Objects.requireNonNull(haltPoll);
        this.host = HostMemory.of(memory);
        this.clock = Objects.requireNonNull(clock);
        this.timekeeping = timekeeping;
        this.eventChannelOps = new EventChannelOps(this);
        Preemption preemption = new Preemption(lock);
        this.grantTableOps = new GrantTableOps(this, host, preemption);
        MemoryOps memoryOps = new MemoryOps(this, memory.frames());
        this.bootNanos = clock.nanoTime();
        this.schedOps = new SchedOps(lock, haltPoll, this::shutdownLocked, this, this::systemTime);
        VcpuOps vcpuOps = new VcpuOps(memory);
        table.register(Hypercall.SET_TIMER_OP, (v, a1, a2, a3, a4, a5) -> VcpuOps.setTimerOp(v, a1));
        this.mmuOps = new MmuOps(memory, host.m2p(), new PageTypes(host, this), this);
        table.register(Hypercall.MMU_UPDATE, (v, a1, a2, a3, a4, a5) -> mmuOps.mmuUpdate(v, a1, a2, a3, a4));
        table.register(Hypercall.MMUEXT_OP, (v, a1, a2, a3, a4, a5) -> mmuOps.mmuextOp(v, a1, a2, a3, a4));
        table.register(Hypercall.UPDATE_VA_MAPPING, (v, a1, a2, a3, a4, a5) -> mmuOps.updateVaMapping(v, a1, a2, a3));
        PlatformOps platformOps = new PlatformOps(timekeeping == null ? null : timekeeping::settime);
        table.register(Hypercall.PLATFORM_OP, (v, a1, a2, a3, a4, a5) -> platformOps.hypercall(v, a1));
        table.register(Hypercall.MEMORY_OP, (v, a1, a2, a3, a4, a5) -> memoryOps.hypercall(v, a1, a2));
        table.register(Hypercall.MULTICALL, new MulticallHandler(table, preemption));
        table.register(Hypercall.EVENT_CHANNEL_OP, (v, a1, a2, a3, a4, a5) -> eventChannelOps.hypercall(v, a1, a2));
        table.register(Hypercall.SCHED_OP, (v, a1, a2, a3, a4, a5) -> schedOps.hypercall(v, a1, a2));
        table.register(Hypercall.VCPU_OP, (v, a1, a2, a3, a4, a5) -> vcpuOps.hypercall(v, a1, a2, a3));
        table.register(Hypercall.GRANT_TABLE_OP, (v, a1, a2, a3, a4, a5) -> grantTableOps.hypercall(v, a1, a2, a3));
        XenVersionOps xenVersion = new XenVersionOps();
        table.register(Hypercall.XEN_VERSION, (v, a1, a2, a3, a4, a5) -> xenVersion.hypercall(v, a1, a2));
        this.hvmOps = new HvmOps(this);
        table.register(Hypercall.HVM_OP, (v, a1, a2, a3, a4, a5) -> hvmOps.hypercall(v, a1, a2));
        ConsoleIoOps consoleIo = new ConsoleIoOps(text -> console.accept(text));
        table.register(Hypercall.CONSOLE_IO, (v, a1, a2, a3, a4, a5) -> consoleIo.hypercall(v, a1, a2, a3));
    }

    /**
     * Xen system time ({@code NOW()}): the timekeeping's, or nanoseconds since this hypervisor
     * started, from the injected clock.
     */
    public long systemTime() {
        return timekeeping != null ? timekeeping.now() : clock.nanoTime() - bootNanos;
    }

    /**
     * How this host's vCPUs wait when they block: its halt-polling policy, which JVMs started
     * for its guests take over ({@link HaltPoll#jvmOptions()}).
     */
    public HaltPoll haltPoll() {
        return haltPoll;
    }

    /** The PV MMU (page types, pins, base pointers) of PV-MMU domains. */
    public MmuOps mmu() {
        return mmuOps;
    }

    /** Host time, or null if this hypervisor keeps none. */
    public Timekeeping timekeeping() {
        return timekeeping;
    }

    /**
     * The agents this hypervisor needs run (threaded in real mode, stepped in simulation): the
     * timekeeping's (timer queue, pvclock refresher) and the domain watchdog.
     */
    public List<Agent> agents() {
        List<Agent> agents = new ArrayList<>();
        if (timekeeping != null) {
            agents.addAll(timekeeping.agents());
        }
        agents.add(new Agent() {
            @Override
            public int doWork() {
                return fireWatchdogs();
            }

            @Override
            public String roleName() {
                return "watchdog";
            }
        });
        return List.copyOf(agents);
    }

    /**
     * {@code domain_watchdog_timeout}: shuts down with {@code SHUTDOWN_watchdog} every domain
     * (not already shutting down or dying) one of whose watchdogs has passed its deadline.
     *
     * @return domains shut down
     */
    public int fireWatchdogs() {
        lock.lock();
        try {
            long now = systemTime();
            int fired = 0;
            for (Domain d : List.copyOf(domains.values())) {
                if (d.shutdownReason() == null && !d.dying() && d.watchdogs().expired(now)) {
                    shutdownLocked(d, ShutdownReason.WATCHDOG);
                    fired++;
                }
            }
            return fired;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code XENPF_settime} for the host: the wallclock read {@code secs.nsecs} at system time
     * {@code systemTimeBase}; every domain's shared_info follows.
     *
     * @throws IllegalStateException if this hypervisor keeps no time
     */
    public void settime(long secs, int nsecs, long systemTimeBase) {
        if (timekeeping == null) {
            throw new IllegalStateException("this hypervisor keeps no time");
        }
        lock.lock();
        try {
            timekeeping.settime(secs, nsecs, systemTimeBase);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Each vCPU's {@code struct vcpu_runstate_info} of {@code domid} as of now, in vCPU order
     * (what {@code XEN_DOMCTL_getvcpuinfo} and {@code getdomaininfo}'s {@code cpu_time} sum
     * are made of), taken under the lock so no vCPU's times are torn; empty if there is no such
     * domain.
     */
    public List<java.lang.foreign.MemorySegment> runstates(int domid) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            if (d == null) {
                return List.of();
            }
            List<java.lang.foreign.MemorySegment> out = new ArrayList<>(d.vcpuCount());
            for (int i = 0; i < d.vcpuCount(); i++) {
                out.add(d.vcpu(i).runstate().snapshot());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** vCPUs waiting in SCHEDOP_block or SCHEDOP_poll right now. */
    public int waitingVcpus() {
        lock.lock();
        try {
            return schedOps.waiting();
        } finally {
            lock.unlock();
        }
    }

    /** Where the privileged domain's {@code CONSOLEIO_write} output goes (discarded by default). */
    public void setConsole(java.util.function.Consumer<String> sink) {
        this.console = Objects.requireNonNull(sink);
    }

    /** The clock. */
    public Clock clock() {
        return clock;
    }

    /** Host memory as the hypervisor manages it. */
    public HostMemory host() {
        return host;
    }

    /** Exceptions caught at the hypercall boundary (hypervisor bugs); 0 in a healthy run. */
    public long internalErrors() {
        return internalErrors.get();
    }

    /** The last exception caught at the hypercall boundary, or null. */
    public Throwable lastInternalError() {
        return lastInternalError.get();
    }

    /** Adds a lifecycle listener. */
    public void addListener(DomainListener listener) {
        lock.lock();
        try {
            listeners.add(listener);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Creates a domain, paused. The first domain is dom0; later ones get the next free id after
     * the last one handed out, wrapping from {@link #MAX_DOMID} to 1: Xen's
     * {@code XEN_DOMCTL_createdomain} rover (xen/common/domctl.c, 4.17). A destroyed domain's id
     * therefore does not come back until the ids have gone round, so a backend still tearing
     * down the old domain's devices (its xenstore nodes carry the id) cannot mistake the new
     * domain for it, and a rebooted guest gets a new id, as on Xen.
     *
     * @throws IllegalStateException if no domain id is free
     * @throws io.jxen.memory.OutOfFramesException if memory is short (nothing is kept)
     */
    public Domain createDomain(DomainConfig config) {
        return createDomain(config, -1);
    }

    /**
     * Creates a domain, paused, with the id {@code domid} if it is free (the id
     * {@code XEN_DOMCTL_createdomain} takes, which libxl passes as {@code create_info.domid}
     * to keep a driver domain's backend paths across a restart), or as above when
     * {@code domid} is -1.
     *
     * @throws IllegalStateException if {@code domid} is taken (or no id is free)
     * @throws IllegalArgumentException if {@code domid} is 0 after dom0, or out of range
     * @throws io.jxen.memory.OutOfFramesException if memory is short (nothing is kept)
     */
    public Domain createDomain(DomainConfig config, int requestedDomid) {
        lock.lock();
        try {
            int domid;
            if (requestedDomid == -1) {
                domid = domains.isEmpty() && !everCreated ? 0 : nextFreeDomid();
            } else {
                if (requestedDomid < 1 || requestedDomid > MAX_DOMID) {
                    throw new IllegalArgumentException("domain id " + requestedDomid + " out of range 1.." + MAX_DOMID);
                }
                if (domains.containsKey(requestedDomid)) {
                    throw new IllegalStateException("domain id " + requestedDomid + " is in use");
                }
                domid = requestedDomid;
            }
            if (config.hvm() && timekeeping == null) {
                throw new IllegalStateException("an HVM domain needs a hypervisor that keeps time");
            }
            Domain d = new Domain(domid, config, host, lock);
            DomainTimekeeping time = timekeeping == null ? null
                    : timekeeping.createDomain(config.vcpus(), !config.hvm(), vcpu -> sendTimerEvent(d, vcpu));
            if (config.hvm()) {
                HvmTimers timers = time.enableHvm(vcpu -> kick(d, vcpu));
                if (timers == null) {
                    time.close();
                    d.release();
                    throw new IllegalStateException("this host's timekeeping emulates no platform timers");
                }
                hvmOps.attach(d, timers);
            }
            d.attachTime(this::systemTime, time);
            domains.put(domid, d);
            everCreated = true;
            return d;
        } finally {
            lock.unlock();
        }
    }

    /** The rover's next free id (an id asked for by number leaves the rover where it is, as in Xen). */
    private int nextFreeDomid() {
        for (int i = 0; i < MAX_DOMID; i++) {
            int candidate = (domidRover + i) % MAX_DOMID + 1; // rover + 1, ..., MAX_DOMID, 1, ..., rover
            if (!domains.containsKey(candidate)) {
                domidRover = candidate;
                return candidate;
            }
        }
        throw new IllegalStateException("no free domain id");
    }

    @Override
    public Domain byId(int domid) {
        lock.lock();
        try {
            return domains.get(domid);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Domain> all() {
        lock.lock();
        try {
            return List.copyOf(domains.values());
        } finally {
            lock.unlock();
        }
    }

    /** Ids of live domains, ascending. */
    public List<Integer> domids() {
        lock.lock();
        try {
            return List.copyOf(domains.keySet());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The hypercall interface of vCPU {@code vcpu} of domain {@code domid}.
     *
     * @throws IllegalArgumentException if there is no such vCPU
     */
    public Hypercalls hypercalls(int domid, int vcpu) {
        Domain d = byId(domid);
        Vcpu v = d == null ? null : d.vcpu(vcpu);
        if (v == null) {
            throw new IllegalArgumentException("no vCPU d" + domid + "v" + vcpu);
        }
        return new VcpuHypercalls(lock, table, v, error -> {
            internalErrors.incrementAndGet();
            lastInternalError.set(error);
        });
    }

    /**
     * What an in-process guest of domain {@code domid} boots with: its hypercalls, memory view
     * and start_info address.
     *
     * @throws IllegalArgumentException if there is no such domain
     */
    public GuestPlatform platform(int domid) {
        Domain d = byId(domid);
        if (d == null) {
            throw new IllegalArgumentException("no domain " + domid);
        }
        GuestPhysicalMemory memory = d.guestPhysicalMemory();
        return new GuestPlatform() {
            @Override
            public int domid() {
                return domid;
            }

            @Override
            public int vcpus() {
                return d.vcpuCount();
            }

            @Override
            public Hypercalls hypercalls(int vcpu) {
                return Hypervisor.this.hypercalls(domid, vcpu);
            }

            @Override
            public GuestPhysicalMemory memory() {
                return memory;
            }

            @Override
            public long startInfoGpa() {
                return d.startInfoGfn() << io.jxen.abi.XenPage.SHIFT;
            }

            @Override
            public GuestCpu cpu(int vcpu) {
                return Hypervisor.this.cpu(domid, vcpu);
            }

            @Override
            public io.jxen.hypercall.InterruptLine interruptLine(int vcpu) {
                if (vcpu < 0 || vcpu >= d.vcpuCount()) {
                    throw new IllegalArgumentException("no vCPU " + vcpu + " in d" + domid);
                }
                return d.vcpu(vcpu).interruptLine();
            }

            @Override
            public boolean attachPoller(int port, io.jxen.hypercall.ChannelPoller poller) {
                lock.lock();
                try {
                    EventChannels ports = d.eventChannels();
                    if (d.dying() || !ports.valid(port) || ports.state(port) != ChannelState.INTERDOMAIN) {
                        return false;
                    }
                    ports.attachPoller(port, poller);
                    return true;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public io.jxen.hypercall.ChannelPoller peerPoller(int port) {
                lock.lock();
                try {
                    EventChannels ports = d.eventChannels();
                    if (!ports.valid(port) || ports.state(port) != ChannelState.INTERDOMAIN) {
                        return null;
                    }
                    Domain peer = domains.get(ports.remoteDomid(port));
                    if (peer == null || peer.dying()) {
                        return null;
                    }
                    return peer.eventChannels().poller(ports.remotePort(port));
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public Doorbell doorbell(int vcpu) {
                if (vcpu < 0 || vcpu >= d.vcpuCount()) {
                    throw new IllegalArgumentException("no vCPU " + vcpu + " in d" + domid);
                }
                long mfn = doorbellMfn(domid);
                if (mfn < 0) {
                    throw new IllegalStateException("no doorbell page for d" + domid);
                }
                return new Doorbell(host.memory().frame(mfn), (long) vcpu * Doorbell.SIZE_BYTES);
            }
        };
    }

    /**
     * The doorbell page of domain {@code domid} ({@link Domain#doorbellMfn()}), under the lock.
     *
     * @return its machine frame, or -1 if there is no such domain or no memory
     */
    public long doorbellMfn(int domid) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            return d == null ? -1 : d.doorbellMfn();
        } finally {
            lock.unlock();
        }
    }

    /** Pauses a domain (the toolstack's {@code xl pause}); false if there is no such domain. */
    public boolean pause(int domid) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            if (d == null) {
                return false;
            }
            d.pause();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Undoes a pause; false if there is no such domain or it was not paused. */
    public boolean unpause(int domid) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            return d != null && d.unpause();
        } finally {
            lock.unlock();
        }
    }

    /** Shuts a domain down for {@code reason} (as the toolstack or the domain itself would). */
    public boolean shutdown(int domid, ShutdownReason reason) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            if (d == null) {
                return false;
            }
            shutdownLocked(d, reason);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Xen's {@code domain_shutdown}: the first reason is recorded, blocked vCPUs wake, listeners
     * hear of it and the {@code VIRQ_DOM_EXC} handler domain (dom0) gets its event.
     */
    private void shutdownLocked(Domain d, ShutdownReason requested) {
        if (d.shutdownReason() != null || d.dying()) {
            return;
        }
        // domain_shutdown: a code set earlier by SCHEDOP_shutdown_code wins over the reason.
        d.setShutdownCode(requested.code());
        ShutdownReason coded = ShutdownReason.of(d.shutdownCode());
        ShutdownReason reason = coded != null ? coded : requested;
        if (!d.recordShutdown(reason)) {
            return;
        }
        d.wakeWaiters();
        for (DomainListener listener : listeners) {
            listener.onShutdown(d, reason);
        }
        eventChannelOps.sendGlobalVirq(Virq.DOM_EXC);
    }

    /**
     * Destroys a domain: closes its event channels (peers become unbound), tears down grant
     * mappings in both directions, returns every frame, frees its id, tells listeners and raises
     * {@code VIRQ_DOM_EXC} ({@code domain_kill}).
     *
     * @return false if there was no such domain
     */
    public boolean destroyDomain(int domid) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            if (d == null) {
                return false;
            }
            d.markDying();
            d.wakeWaiters();
            eventChannelOps.closeAll(d);
            grantTableOps.teardown(d);
            mmuOps.release(d);
            hvmOps.detach(d);
            d.release();
            domains.remove(domid);
            for (DomainListener listener : listeners) {
                listener.onDestroy(domid);
            }
            eventChannelOps.sendGlobalVirq(Virq.DOM_EXC);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The non-hypercall instructions of vCPU {@code vcpu} of domain {@code domid}: rdtsc, cpuid,
     * and for an HVM domain port/MMIO access to its platform timers and interrupt acknowledge.
     *
     * @throws IllegalArgumentException if there is no such vCPU
     */
    public GuestCpu cpu(int domid, int vcpu) {
        Domain d = byId(domid);
        Vcpu v = d == null ? null : d.vcpu(vcpu);
        if (v == null) {
            throw new IllegalArgumentException("no vCPU d" + domid + "v" + vcpu);
        }
        return new VcpuInstructions(v, d.timekeeping(), hvmOps.timers(d),
                () -> (XenVersionOps.MAJOR << 16) | XenVersionOps.MINOR, this::systemTime);
    }

    /** Domain {@code d}'s HVM platform timers, or null for a PV domain. */
    public HvmTimers hvmTimers(Domain d) {
        return hvmOps.timers(d);
    }

    // A platform timer has an interrupt for vCPU {@code vcpu} of {@code d} (vcpu_kick).
    private void kick(Domain d, int vcpu) {
        lock.lock();
        try {
            if (domains.get(d.domid()) == d && !d.dying()) {
                Vcpu v = d.vcpu(vcpu);
                if (v != null) {
                    v.kick();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // The timekeeping's sink: VIRQ_TIMER to vCPU {@code vcpu} of {@code d}, unless d is gone
    // (its id may already belong to a new domain).
    private void sendTimerEvent(Domain d, int vcpu) {
        lock.lock();
        try {
            if (domains.get(d.domid()) == d && !d.dying()) {
                Vcpu v = d.vcpu(vcpu);
                if (v != null) {
                    eventChannelOps.sendVcpuVirq(v, Virq.TIMER);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Raises a per-vCPU VIRQ (e.g. {@code VIRQ_TIMER}) if the vCPU bound it. */
    public void sendVcpuVirq(int domid, int vcpu, int virq) {
        lock.lock();
        try {
            Domain d = domains.get(domid);
            Vcpu v = d == null ? null : d.vcpu(vcpu);
            if (v != null) {
                eventChannelOps.sendVcpuVirq(v, virq);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Raises a global VIRQ in its handler domain, if bound. */
    public void sendGlobalVirq(int virq) {
        lock.lock();
        try {
            eventChannelOps.sendGlobalVirq(virq);
        } finally {
            lock.unlock();
        }
    }
}
