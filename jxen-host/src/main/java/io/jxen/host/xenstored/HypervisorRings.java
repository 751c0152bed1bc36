package io.jxen.host.xenstored;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainListener;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.intr.XenIntr;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.Agent;
import io.jxen.xenstore.server.DomainRings;
import io.jxen.xenstore.server.RingConnection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * xenstored's domain rings on the jxen hypervisor, as dom0 user space reaches them: the
 * {@link DomainRings} the core calls for XS_INTRODUCE / XS_RELEASE, a {@link DomainListener}
 * for shutdowns and destruction, and the {@link Agent} that serves every ring.
 *
 * <p><b>The page.</b> Like C xenstored 4.17 ({@code map_interface}: grant first, the gfn is
 * ignored), the store page is mapped through the guest's reserved grant entry
 * {@code GNTTAB_RESERVED_XENSTORE} (1), which the domain builder seeds for dom0, with
 * {@code GNTTABOP_map_grant_ref} issued by dom0. Why the grant and not a foreign map of the
 * gfn: it needs no privileged p2m operation (the guest's own grant says what dom0 may touch),
 * the hypervisor accounts for it (pin, maptrack handle), and destroying the guest cannot pull
 * the frame away under the daemon: a device mapping keeps the frame out of the allocator
 * until dom0 unmaps it ({@code GrantMapping.teardown}), so a late ring step writes into the
 * dead guest's frame, never into a new owner's. The mapping is {@code GNTMAP_device_map}: its
 * {@code dev_bus_addr} names the machine frame, which this in-process daemon then reads
 * through machine memory, as jxen's in-process backends do.
 *
 * <p><b>The port.</b> {@code EVTCHNOP_bind_interdomain} by dom0 to the guest's unbound store
 * port; notifying the guest is {@code EVTCHNOP_send} on the local port. The guest's
 * notifications arrive as dom0's 2-level pending bit of that port in dom0's shared_info,
 * which {@link #doWork()} test-and-clears (the job of dom0's evtchn device); each ring's
 * indices are also looked at every step, as C's main loop does. Where dom0's vCPU takes
 * upcalls on a thread ({@link #wakeOnEvents}), each port also has a handler in dom0's
 * interrupt layer that wakes the agent, which otherwise sleeps: C xenstored's {@code poll()}
 * on {@code /dev/xen/evtchn}.
 *
 * <p><b>Death.</b> Hypervisor listeners run under the hypervisor's lock, so they only queue,
 * in the core ({@link XenstoredCore#reportShutdown}, {@link XenstoredCore#reportDeath}); the
 * core applies them before its next request, or {@link #doWork()} does
 * ({@link XenstoredCore#domainShutdown}, {@link XenstoredCore#domainDied}: connection dropped,
 * nodes removed, {@code @releaseDomain} fired, stale permissions dropped), and tears the ring
 * down (port closed, grant unmapped). Before the next request, because a toolstack's
 * XS_RELEASE and XS_INTRODUCE of a new domain under the same id follow the destruction: a
 * death applied after them would drop the new domain's ring, nodes and permissions.
 *
 * <p>Locks: the core's lock is taken before this class's hypercall lock, which is taken before
 * the hypervisor's; nothing here takes them in another order.
 */
public final class HypervisorRings implements DomainRings, DomainListener, Agent {

    private static final System.Logger LOG = System.getLogger("xenstored");

    /** A ring attached to a domain. */
    private record Attached(int domid, RingConnection ring, int handle, long mfn, int localPort) {
    }

    private final Hypervisor hv;
    private final XenstoredCore core;
    private final Hypercalls dom0;
    private final GuestPhysicalMemory dom0Memory;
    private final long scratchGpa;
    private final Object hypercallLock = new Object();
    private final Map<Integer, Attached> rings = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Attached> toTearDown = new ConcurrentLinkedQueue<>();
    private volatile MemorySegment dom0SharedInfo;
    /** dom0's interrupt layer, when its vCPU takes upcalls on a thread: store ports get a handler. */
    private volatile XenIntr dom0Intr;
    /** dom0 IRQ of each bound local port (only with {@link #dom0Intr}). */
    private final Map<Integer, Integer> irqByPort = new ConcurrentHashMap<>();
    private volatile Runnable wake = () -> { };

    /**
     * @param hv         the hypervisor (dom0 must exist)
     * @param core       the daemon
     * @param scratchGpa a page of dom0's memory reserved for this daemon's hypercall arguments
     */
    private HypervisorRings(Hypervisor hv, XenstoredCore core, long scratchGpa) {
        Domain d0 = hv.byId(0);
        if (d0 == null) {
            throw new IllegalStateException("dom0 does not exist: create it before xenstored's rings");
        }
        if ((scratchGpa & (XenPage.SIZE - 1)) != 0) {
            throw new IllegalArgumentException("scratch page not page-aligned: " + Long.toHexString(scratchGpa));
        }
        this.hv = hv;
        this.core = core;
        this.dom0 = hv.hypercalls(0, 0);
        this.dom0Memory = hv.platform(0).memory();
        this.scratchGpa = scratchGpa;
    }

    /**
     * Attaches xenstored to the hypervisor: INTRODUCE maps rings from now on, and domain
     * shutdown and destruction reach the daemon. Run the returned agent (an
     * {@link io.jxen.runtime.AgentRunner} or a simulation runner) to serve the rings.
     *
     * @param hv         the hypervisor, with dom0 created
     * @param core       the daemon ({@code XenstoredServer.core()})
     * @param scratchGpa guest-physical address of a dom0 page this daemon may use for hypercall
     *                   arguments (no one else may write it)
     * @return the agent
     */
    public static HypervisorRings attach(Hypervisor hv, XenstoredCore core, long scratchGpa) {
        HypervisorRings r = new HypervisorRings(hv, core, scratchGpa);
        core.setDomainRings(r);
        hv.addListener(r);
        return r;
    }

    /**
     * Lets the agent sleep until there is work, as C xenstored sleeps in {@code poll()} on
     * {@code /dev/xen/evtchn}: every store port bound from now on gets a handler in dom0's
     * interrupt layer ({@code intr}, whose vCPU upcalls must run on a thread, e.g.
     * {@code VcpuThreads}) that runs {@code wake}, and so do output queued for a ring by another
     * thread, a domain's shutdown or death, and a release. Without this the agent must poll:
     * nothing else tells it a guest wrote its ring.
     */
    public void wakeOnEvents(XenIntr intr, Runnable wake) {
        this.wake = java.util.Objects.requireNonNull(wake, "wake");
        this.dom0Intr = java.util.Objects.requireNonNull(intr, "intr");
        for (Attached a : rings.values()) {
            a.ring().onOutputQueued(wake);
            bindHandler(a.domid(), a.localPort());
        }
        wake.run();
    }

    /** With {@link #wakeOnEvents}: a dom0 handler for {@code localPort} that wakes the agent. */
    private void bindHandler(int domid, int localPort) {
        XenIntr intr = dom0Intr;
        if (intr == null || irqByPort.containsKey(localPort)) {
            return;
        }
        // A filter: runs in dom0's upcall, so it only wakes the agent's thread.
        irqByPort.put(localPort, intr.bindLocalPort("xenstored-d" + domid, localPort, IrqHandler.filter(this::kick)));
        // An event that came before the handler was dropped by dom0's upcall as stray; the
        // ring's indices tell what it was about, so look at them now.
        kick();
    }

    private void kick() {
        wake.run();
    }

    /** A new ring: its output wakes the agent, and so will its port. */
    private RingConnection watched(RingConnection ring) {
        ring.onOutputQueued(this::kick);
        return ring;
    }

    /** Domains with an attached ring. */
    public List<Integer> domains() {
        return List.copyOf(new java.util.TreeSet<>(rings.keySet()));
    }

    /** The ring of a domain, or null. */
    public RingConnection ring(int domid) {
        Attached a = rings.get(domid);
        return a == null ? null : a.ring();
    }

    /** dom0's port bound to the domain's store port, or -1. */
    public int localPort(int domid) {
        Attached a = rings.get(domid);
        return a == null ? -1 : a.localPort();
    }

    /**
     * Serves dom0's own store ring, as C xenstored's {@code dom0_init} does with the page and
     * port dom0's kernel exports ({@code /proc/xen/xsd_kva} and {@code xsd_port} on Linux,
     * {@code /kern/xen/xsd_mfn} and {@code xsd_port} on NetBSD): the page is dom0's own (this
     * daemon runs in dom0, so it is mapped directly, not through a grant), the port is the
     * unbound dom0 port dom0's start_info names as {@code store_evtchn}, bound here with
     * {@code EVTCHNOP_bind_interdomain} to dom0 itself. The connection is privileged, and no
     * {@code @introduceDomain} fires (C fires none for the master domain either).
     *
     * @param storeGfn  dom0's store page ({@code start_info.store_mfn})
     * @param storePort dom0's unbound store port ({@code start_info.store_evtchn})
     * @return the ring connection
     * @throws IllegalStateException if the port cannot be bound or dom0's ring is served already
     */
    public RingConnection serveDom0(long storeGfn, int storePort) {
        if (rings.containsKey(0)) {
            throw new IllegalStateException("dom0's store ring is served already");
        }
        int local = bindInterdomain(0, storePort);
        if (local < 0) {
            throw new IllegalStateException("cannot bind dom0's store port " + storePort);
        }
        MemorySegment page = dom0Memory.page(storeGfn);
        RingConnection ring = new RingConnection(core, 0, page, () -> {
            Attached now = rings.get(0);
            send(now != null ? now.localPort() : local);
        });
        // No grant handle and nothing to unmap: the page is dom0's.
        rings.put(0, new Attached(0, watched(ring), -1, -1, local));
        bindHandler(0, local);
        return ring;
    }

    // ---- DomainRings (core lock held) ------------------------------------------------------

    @Override
    public void introduce(int domid, long gfn, int port) throws XenstoreException {
        if (hv.byId(domid) == null) {
            throw new XenstoreException(XsError.EINVAL, "no domain " + domid);
        }
        long[] mapped = mapGrant(domid);
        if (mapped == null) {
            throw new XenstoreException(XsError.EINVAL, "cannot map the store grant of d" + domid);
        }
        int handle = (int) mapped[0];
        long mfn = mapped[1];
        int local = bindInterdomain(domid, port);
        if (local < 0) {
            unmapGrant(handle, mfn);
            throw new XenstoreException(XsError.EINVAL, "cannot bind store port " + port + " of d" + domid);
        }
        MemorySegment page = hv.host().memory().frame(mfn);
        RingConnection ring = new RingConnection(core, domid, page, () -> {
            Attached now = rings.get(domid);
            send(now != null ? now.localPort() : local);
        });
        rings.put(domid, new Attached(domid, watched(ring), handle, mfn, local));
        bindHandler(domid, local);
    }

    @Override
    public void reintroduce(int domid, long gfn, int port) throws XenstoreException {
        Attached a = rings.get(domid);
        if (a == null) {
            // Introduced before this daemon had its rings (restored from the journal).
            introduce(domid, gfn, port);
            return;
        }
        int local = bindInterdomain(domid, port);
        if (local < 0) {
            throw new XenstoreException(XsError.EINVAL, "cannot bind store port " + port + " of d" + domid);
        }
        // The ring, its watches and transactions stay; notifications go to the new port.
        rings.put(domid, new Attached(domid, a.ring(), a.handle(), a.mfn(), local));
        bindHandler(domid, local);
        closePort(a.localPort());
    }

    @Override
    public void release(int domid) {
        Attached a = rings.remove(domid);
        if (a != null) {
            a.ring().close();
            toTearDown.add(a);
            kick();
        }
    }

    // ---- DomainListener (hypervisor lock held: queue only) -------------------------------------

    @Override
    public void onShutdown(Domain domain, ShutdownReason reason) {
        core.reportShutdown(domain.domid());
        kick();
    }

    @Override
    public void onDestroy(int domid) {
        core.reportDeath(domid);
        kick();
    }

    // ---- Agent ---------------------------------------------------------------------------------

    @Override
    public int doWork() {
        int work = core.settleDomainEvents();
        MemorySegment shared = sharedInfo();
        for (Attached a : rings.values()) {
            if (shared != null && testAndClearPending(shared, a.localPort())) {
                a.ring().notified();
            }
            work += a.ring().process();
        }
        Attached gone;
        while ((gone = toTearDown.poll()) != null) {
            closePort(gone.localPort());
            unmapGrant(gone.handle(), gone.mfn());
            work++;
        }
        return work;
    }

    @Override
    public String roleName() {
        return "xenstored-rings";
    }

    /** Pending work the agent has not done yet (tests step until this is false). */
    public boolean idle() {
        if (core.domainEventsPending() || !toTearDown.isEmpty()) {
            return false;
        }
        for (Attached a : rings.values()) {
            if (a.ring().hasWork()) {
                return false;
            }
        }
        return true;
    }

    private MemorySegment sharedInfo() {
        MemorySegment s = dom0SharedInfo;
        if (s == null) {
            Domain d0 = hv.byId(0);
            if (d0 == null) {
                return null;
            }
            s = dom0Memory.page(d0.sharedInfoGfn());
            dom0SharedInfo = s;
        }
        return s;
    }

    private static boolean testAndClearPending(MemorySegment shared, int port) {
        long word = SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (long) (port / 64) * 8;
        if (!OrderedAccess.testBitAcquire(shared, word, port % 64)) {
            return false;
        }
        return OrderedAccess.testAndClearBit(shared, word, port % 64);
    }

    // ---- dom0's hypercalls --------------------------------------------------------------------

    /** {@code GNTTABOP_map_grant_ref} of the guest's xenstore grant; {handle, mfn} or null. */
    private long[] mapGrant(int domid) {
        synchronized (hypercallLock) {
            dom0Memory.zero(scratchGpa, GnttabMapGrantRefDescriptor.SIZE);
            dom0Memory.putInt(scratchGpa + GnttabMapGrantRefDescriptor.FLAGS_OFFSET, Gntmap.DEVICE_MAP);
            dom0Memory.putInt(scratchGpa + GnttabMapGrantRefDescriptor.REF_OFFSET, GrantTableLimits.RESERVED_XENSTORE);
            dom0Memory.putShort(scratchGpa + GnttabMapGrantRefDescriptor.DOM_OFFSET, (short) domid);
            long rc = dom0.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, scratchGpa, 1);
            short status = dom0Memory.getShort(scratchGpa + GnttabMapGrantRefDescriptor.STATUS_OFFSET);
            if (rc != 0 || status != Gntst.OKAY) {
                LOG.log(System.Logger.Level.WARNING, "d" + domid + ": map of grant "
                        + GrantTableLimits.RESERVED_XENSTORE + " failed: rc " + rc + " status " + status);
                return null;
            }
            int handle = dom0Memory.getInt(scratchGpa + GnttabMapGrantRefDescriptor.HANDLE_OFFSET);
            long bus = dom0Memory.getLong(scratchGpa + GnttabMapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET);
            return new long[] {handle, bus >>> XenPage.SHIFT};
        }
    }

    private void unmapGrant(int handle, long mfn) {
        synchronized (hypercallLock) {
            dom0Memory.zero(scratchGpa, GnttabUnmapGrantRefDescriptor.SIZE);
            dom0Memory.putLong(scratchGpa + GnttabUnmapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET, mfn << XenPage.SHIFT);
            dom0Memory.putInt(scratchGpa + GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET, handle);
            long rc = dom0.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, scratchGpa, 1);
            short status = dom0Memory.getShort(scratchGpa + GnttabUnmapGrantRefDescriptor.STATUS_OFFSET);
            if (rc != 0 || status != Gntst.OKAY) {
                LOG.log(System.Logger.Level.WARNING, "unmap of xenstore grant handle " + handle + " failed: rc " + rc
                        + " status " + status);
            }
        }
    }

    /** {@code EVTCHNOP_bind_interdomain}; the local port or -1. */
    private int bindInterdomain(int domid, int remotePort) {
        synchronized (hypercallLock) {
            dom0Memory.zero(scratchGpa, EvtchnBindInterdomainDescriptor.SIZE);
            dom0Memory.putShort(scratchGpa + EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, (short) domid);
            dom0Memory.putInt(scratchGpa + EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, remotePort);
            long rc = dom0.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_INTERDOMAIN, scratchGpa);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "d" + domid + ": bind to store port " + remotePort + " failed: " + rc);
                return -1;
            }
            return dom0Memory.getInt(scratchGpa + EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
        }
    }

    private void send(int localPort) {
        synchronized (hypercallLock) {
            dom0Memory.putInt(scratchGpa, localPort);
            dom0.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, scratchGpa);
        }
    }

    private void closePort(int localPort) {
        Integer irq = irqByPort.remove(localPort);
        if (irq != null) {
            try {
                dom0Intr.unbind(irq); // the handler goes first (it masks the port), then the port
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "unbinding store port " + localPort + ": " + e);
            }
        }
        synchronized (hypercallLock) {
            dom0Memory.putInt(scratchGpa, localPort);
            dom0.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.CLOSE, scratchGpa);
        }
    }
}
