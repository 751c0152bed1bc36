package io.jxen.host.backend;

import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.BlkbackMetrics;
import io.jxen.drivers.block.back.BlkbackXenbusDriver;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.xenbus.SocketXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenbus.XenbusStore;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.Clock;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SpareCore;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * dom0's block backends, as a dom0 kernel's blkback serves them: a back XenBus over dom0's
 * xenstore connection enumerates {@code backend/vbd/<domid>/<devid>}, and for each device the
 * blkback XenBus driver opens the image named by the backend's {@code params} node (read-only
 * when {@code mode} is {@code r}) on a file engine and serves the frontend's ring from an
 * agent thread of its own. The toolstack writes the nodes; this only answers them.
 */
public final class VbdBackends implements AutoCloseable {

    /** Indirect segments offered to frontends (Linux blkback's default maximum is 256). */
    public static final int MAX_INDIRECT_SEGMENTS = 256;

    /**
     * Persistent grants kept per ring: four times Linux blkback's default
     * {@code max_persistent_grants} (1056, which admins raise for busy disks). Linux blkfront
     * grants each ring its own pages, but jxen's blkfront names its registered I/O buffers
     * ({@code MultiQueueBlkfront#allocateBuffer}) on every ring, so each ring's cache sees all of
     * them besides its own pool of up to 1056 pages. With 1056 an NBD export of a 64 MiB guest
     * (8 MiB of registered buffers, 2048 pages, and nbdcopy's 256 KiB reads) missed one lookup
     * in ten: 63,000 of 660,000 per ring, each an unmap and a map hypercall. With this bound only
     * the first use of each page misses (2,064 per ring in the same run). A mapping costs a
     * slot of dom0's unpopulated grant window, no memory.
     */
    public static final int PERSISTENT_GRANTS = 4 * 1056;

    /** Rings per device offered ({@code multi-queue-max-queues}). */
    public static final int MAX_QUEUES = 2;

    /** {@code max-ring-page-order} offered: 16-page rings (Linux blkback's maximum). */
    public static final int MAX_RING_PAGE_ORDER = Blkback.MAX_RING_PAGE_ORDER;

    /** Devices whose grant windows the reserve below has room for. */
    public static final int WINDOW_DEVICES = 8;

    /**
     * Unpopulated GFNs dom0 needs in its physmap hole for the backends' grant windows: each
     * device takes {@link Blkback#windowPages(int, int)} GFNs per queue (ring pages, a data page,
     * the persistent mappings), room for {@link #WINDOW_DEVICES} devices plus the 16-page gap
     * {@code Host} leaves after dom0's RAM. dom0's {@code maxPages} is raised by this much, so
     * the hole below its special pages (Domain: roundup(maxPages, 512)) holds them; no frame is
     * spent until a grant is mapped.
     */
    public static final long WINDOW_RESERVE_PAGES = 16L
            + (long) WINDOW_DEVICES * MAX_QUEUES * Blkback.windowPages(PERSISTENT_GRANTS, MAX_RING_PAGE_ORDER);

    private final XenBus bus;
    private final AgentRunner busRunner;
    private final Map<Blkback, AgentRunner> runners = new ConcurrentHashMap<>();
    /** The rings whose frontend threads may serve them ({@link LentTurns}). */
    private final Map<Blkback, LentTurns> lent = new ConcurrentHashMap<>();
    private final Map<String, FileEngine> engines = new ConcurrentHashMap<>();

    /**
     * {@code -Djxen.blkback.pin=off}: leave the runners' threads to the host scheduler. By
     * default each runner pins itself to the next of the process's CPUs in turn (Xen's
     * {@code dom0_vcpus_pin}: dom0's backend work on fixed cores). The queues of a device then
     * work on separate cores: without it, Linux woke a striped transfer's second runner on the
     * core the first was about to take and they ran one after the other (sequential 1 MiB reads
     * at a median 0.68x of direct I/O on the 2-core development machine; pinned, 1.08x).
     * Nothing is pinned on a single CPU.
     */
    static final boolean PIN = !"off".equals(System.getProperty("jxen.blkback.pin"));

    private final java.util.concurrent.atomic.AtomicInteger nextCpu = new java.util.concurrent.atomic.AtomicInteger();

    /** Pins the calling runner thread to the next allowed CPU ({@link #PIN}). */
    private void pinRunner() {
        if (!PIN) {
            return;
        }
        java.util.List<Integer> cpus = io.jxen.runtime.CpuAffinity.allowed();
        if (cpus.size() < 2) {
            return;
        }
        io.jxen.runtime.CpuAffinity.pin(cpus.get(Math.floorMod(nextCpu.getAndIncrement(), cpus.size())));
    }

    private VbdBackends(XenBus bus, AgentRunner busRunner) {
        this.bus = bus;
        this.busRunner = busRunner;
    }

    /**
     * {@code -Djxen.blkback.lines=off}: a sleeping runner parks (dom0's vCPU idle thread takes
     * the ring's interrupt and unparks it) instead of sleeping on the interrupt line; A/B runs.
     */
    static final boolean LINES = !"off".equals(System.getProperty("jxen.blkback.lines"));

    /**
     * Yields of a runner between arming and sleeping ({@code -Djxen.blkback.yields=N}): none
     * when it sleeps on the interrupt line, whose wake-up is one thread switch (the yields
     * saved the second one of the vCPU's idle thread; on two cores they made the queues'
     * runners trade the core back and forth); {@link KickableIdle#DEFAULT_YIELDS} without.
     */
    static final int YIELDS = Integer.getInteger("jxen.blkback.yields", LINES ? 0 : KickableIdle.DEFAULT_YIELDS);

    /**
     * How long an idle runner polls its ring (a spare core permitting) before it arms and
     * sleeps: {@code -Djxen.blkback.pollNanos=N}, by default 0 (arm and sleep at once) when it
     * sleeps on the interrupt line, whose kick costs one wake-up; measured on the 2-core
     * development machine, the poll took the core the caller and the other queue's runner
     * needed (docs/BENCHMARKS.md, "Interrupt lines, pinned runners, per-thread queues"). {@link KickableIdle#DEFAULT_POLL_NANOS}
     * without the line.
     */
    static final long POLL_NANOS = Long.getLong("jxen.blkback.pollNanos", LINES ? 0 : KickableIdle.DEFAULT_POLL_NANOS);

    /**
     * Starts the back bus.
     *
     * @param dom0          dom0's booted kernel (grants, event channels)
     * @param xenstore      dom0's connection to xenstored
     * @param clock         the host clock
     * @param windowBaseGfn first of the free GFNs in dom0's physmap hole where backends map grants
     * @param errors        where agent failures go
     */
    public static VbdBackends start(GuestKernel dom0, XenstoreClient xenstore, Clock clock, long windowBaseGfn,
                                    ErrorHandler errors) throws IOException, XenstoreException {
        return start(dom0, new SocketXenbusStore(xenstore), clock, windowBaseGfn, errors);
    }

    /**
     * Starts the back bus of any backend domain over its store: dom0's socket connection, or a
     * driver domain's ring ({@code io.jxen.host.backend.DriverDomain}).
     *
     * @param dom0          the backend domain's booted kernel (grants, event channels)
     * @param store         its xenstore access
     * @param clock         the clock
     * @param windowBaseGfn first of {@link #WINDOW_RESERVE_PAGES} free GFNs in its physmap hole
     * @param errors        where agent failures go
     */
    public static VbdBackends start(GuestKernel dom0, XenbusStore store, Clock clock, long windowBaseGfn,
                                    ErrorHandler errors) throws IOException, XenstoreException {
        XenBus bus = XenBus.back(store, dom0.domid(), XenBus.Options.defaults(clock));
        VbdBackends[] self = new VbdBackends[1];
        BlkbackXenbusDriver driver = new BlkbackXenbusDriver(dom0, dom0.grantTable(),
                device -> self[0].open(device), clock, windowBaseGfn, MAX_INDIRECT_SEGMENTS, PERSISTENT_GRANTS,
                new BlkbackXenbusDriver.Listener() {
                    @Override
                    public void connected(Blkback back) {
                        // The runner polls the ring while a core is spare, then re-arms the
                        // ring's event, yields a few times, and sleeps until the interrupt unparks it.
                        // The frontend's threads may serve the ring themselves while they wait
                        // (LentTurns): then the runner's final check leaves the event to them.
                        boolean lend = LentTurns.ENABLED && back.lendable();
                        LentTurns[] lent = new LentTurns[1];
                        KickableIdle idle = new KickableIdle(
                                () -> lent[0] != null ? lent[0].finalCheckForRequests() : back.finalCheckForRequests(),
                                SpareCore.system(), System::nanoTime, POLL_NANOS, YIELDS,
                                LINES ? back::interruptVcpus : java.util.List::of);
                        back.onKick(idle::kick);
                        io.jxen.runtime.Agent agent = back;
                        if (lend) {
                            lent[0] = new LentTurns(LentTurns.Ring.of(back), idle::kick, idle::asleep, errors);
                            if (back.attachPoller(lent[0])) {
                                agent = lent[0];
                                self[0].lent.put(back, lent[0]);
                            } else {
                                lent[0] = null; // hypervisor in another process: no lenders, the runner's usual check
                            }
                        }
                        self[0].runners.put(back, AgentRunner.start(agent, idle, errors, self[0]::pinRunner));
                    }

                    @Override
                    public void disconnected(Blkback back) {
                        LentTurns lent = self[0].lent.remove(back);
                        if (lent != null) {
                            lent.close();
                        }
                        AgentRunner runner = self[0].runners.remove(back);
                        if (runner != null) {
                            runner.close();
                        }
                    }
                })
                .withRunnerArming()
                .withMaxQueues(MAX_QUEUES)
                .withMaxRingPageOrder(MAX_RING_PAGE_ORDER);
        // Requests run one at a time per ring on the sync engine: blkback's pipelined mode on the
        // async engine measured about 10x slower at QD1 in ./jxen bench block (docs/BENCHMARKS.md).
        bus.register(driver);
        // The bus agent only checks connect deadlines (seconds): long parks, no spinning.
        self[0] = new VbdBackends(bus, AgentRunner.start(bus, BackoffIdleStrategy.deadlines(), errors));
        bus.start();
        return self[0];
    }

    private BlockDevice open(XenbusDevice device) throws IOException, XenstoreException {
        String params = device.read("params");
        boolean readOnly = "r".equals(device.read("mode"));
        FileEngine.Options options = readOnly ? FileEngine.Options.sync().asReadOnly() : FileEngine.Options.sync();
        FileEngine engine = FileEngine.open(Path.of(params), options);
        FileEngine previous = engines.put(device.nodename(), engine);
        if (previous != null) {
            previous.close();
        }
        return engine;
    }

    /**
     * Counters of one domain's block devices as this backend serves them, summed over its
     * connected rings (xentop's VBD_RD, VBD_WR, VBD_RSECT, VBD_WSECT). Like Linux blkback's
     * sysfs statistics they belong to the connection: a ring that reconnects starts again at 0.
     *
     * @param readRequests  read requests answered OKAY
     * @param writeRequests write requests answered OKAY
     * @param readSectors   512-byte sectors read for the frontend
     * @param writeSectors  512-byte sectors written for it
     */
    public record Statistics(long readRequests, long writeRequests, long readSectors, long writeSectors) {

        Statistics plus(BlkbackMetrics m) {
            return new Statistics(readRequests + m.readRequests(), writeRequests + m.writeRequests(),
                    readSectors + m.bytesRead() / BlockDevice.SECTOR_SIZE_BYTES,
                    writeSectors + m.bytesWritten() / BlockDevice.SECTOR_SIZE_BYTES);
        }
    }

    /** The connected rings' counters by frontend domain id. */
    public Map<Integer, Statistics> statistics() {
        Map<Integer, Statistics> out = new java.util.TreeMap<>();
        for (Blkback back : runners.keySet()) {
            int domid = back.frontendDomid();
            if (domid >= 0) {
                out.merge(domid, new Statistics(0, 0, 0, 0).plus(back.metrics()),
                        (a, b) -> new Statistics(a.readRequests() + b.readRequests(),
                                a.writeRequests() + b.writeRequests(), a.readSectors() + b.readSectors(),
                                a.writeSectors() + b.writeSectors()));
            }
        }
        return out;
    }

    /** Requests served on frontend threads lent to the rings ({@link LentTurns}), over the connected rings. */
    public long lentRequests() {
        long n = 0;
        for (LentTurns l : lent.values()) {
            n += l.lentRequests();
        }
        return n;
    }

    /** The back bus (devices and their ivars). */
    public XenBus bus() {
        return bus;
    }

    /** Stops every backend, the bus, and closes the images. */
    @Override
    public void close() throws IOException {
        for (AgentRunner runner : runners.values()) {
            runner.close();
        }
        runners.clear();
        try {
            bus.close();
        } catch (Exception e) {
            throw new IOException("closing the back bus: " + e.getMessage(), e);
        } finally {
            busRunner.close();
            for (FileEngine engine : engines.values()) {
                engine.close();
            }
            engines.clear();
        }
    }
}
