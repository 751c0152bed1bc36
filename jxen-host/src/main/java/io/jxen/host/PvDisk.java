package io.jxen.host;

import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.ReadModifyWriteDevice;
import io.jxen.drivers.block.front.BlockBuffer;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.host.config.DiskSpec;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.nbd.NbdServer;
import io.jxen.host.toolstack.XenstorePaths;
import io.jxen.hv.time.DomainTime;
import io.jxen.hv.timekeeping.JxenTime;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A guest's disk seen through the whole PV path, as one {@link BlockDevice}: a {@link Host} in
 * this JVM, the guest created from an xl.cfg by the toolstack, its kernel booted on the
 * hypervisor (vCPU threads, xenstore over its ring), blkfront bound over XenBus to dom0's
 * blkback, which serves the image file the config names. {@link #disk()} is blkfront's block
 * device behind a {@link ReadModifyWriteDevice}, so callers such as the NBD export may use any
 * byte range although blkif moves whole sectors.
 *
 * <p>What reaches the image file, per call on {@link #disk()}: read and write as blkif READ and
 * WRITE (indirect when large); flush and FUA as {@code BLKIF_OP_FLUSH_DISKCACHE} (the backend
 * fsyncs the image before it answers); discard as {@code BLKIF_OP_DISCARD} (a hole punched in
 * the image); write zeroes as writes of zeroes (blkif has no write-zeroes operation). Allocation
 * status cannot be learnt through blkif (no request asks the backend about holes), so the whole
 * disk reports as allocated data.
 */
public final class PvDisk implements AutoCloseable {

    /** How long the frontend may take to connect before {@link #boot} gives up. */
    private static final long CONNECT_SECONDS = 30;

    /** Where boot steps are told, one line each. */
    @FunctionalInterface
    public interface Narrator {
        /** Step {@code what} happened, described by {@code text}. */
        void step(String what, String text);

        /** Tells nothing. */
        Narrator SILENT = (what, text) -> { };
    }

    /**
     * How to boot it.
     *
     * @param queues         blkfront queues at most (the backend's {@code multi-queue-max-queues} caps it)
     * @param indirect       blkfront's own maximum of indirect segments (0: never indirect)
     * @param persistent     offer {@code feature-persistent}
     * @param ringPageOrder  rings of up to {@code 2^ringPageOrder} pages asked for (the backend's offer caps it)
     */
    public record Options(int queues, int indirect, boolean persistent, int ringPageOrder) {
        /** One-page rings. */
        public Options(int queues, int indirect, boolean persistent) {
            this(queues, indirect, persistent, 0);
        }

        /** Checks the values. */
        public Options {
            if (queues < 1 || indirect < 0 || ringPageOrder < 0 || ringPageOrder > Blkfront.MAX_RING_PAGE_ORDER) {
                throw new IllegalArgumentException("queues " + queues + ", indirect " + indirect
                        + ", ring page order " + ringPageOrder);
            }
        }

        /** One queue, 32 indirect segments (Linux blkfront's default), persistent grants offered. */
        public static Options defaults() {
            return new Options(1, 32, true);
        }

        /** The same with up to {@code n} queues. */
        public Options withQueues(int n) {
            return new Options(n, indirect, persistent, ringPageOrder);
        }

        /**
         * The same asking for rings of up to {@code 2^order} pages. Larger rings let blkfront keep
         * more requests, and so more persistent pages, in flight: a guest of little memory can
         * exhaust its allocator (a 16-page ring under qemu-img's parallel reads did), so the
         * default stays one page.
         */
        public Options withRingPageOrder(int order) {
            return new Options(queues, indirect, persistent, order);
        }
    }

    private final List<AutoCloseable> closeInReverse;
    private final Path directory;
    private final Host host;
    private final int domid;
    private final GuestKernel guest;
    private final MultiQueueBlkfront blkfront;
    private final ReadModifyWriteDevice disk;
    private final DiskSpec spec;
    private final String frontendPath;
    private final String backendPath;

    private PvDisk(List<AutoCloseable> closeInReverse, Path directory, Host host, int domid, GuestKernel guest,
                   MultiQueueBlkfront blkfront, DiskSpec spec, String frontendPath, String backendPath) {
        this.closeInReverse = closeInReverse;
        this.directory = directory;
        this.host = host;
        this.domid = domid;
        this.guest = guest;
        this.blkfront = blkfront;
        this.disk = new ReadModifyWriteDevice(blkfront);
        this.spec = spec;
        this.frontendPath = frontendPath;
        this.backendPath = backendPath;
    }

    /**
     * Starts a host in a fresh temporary directory, creates the guest of {@code config}, boots
     * it, and connects blkfront to the config's first disk.
     *
     * @throws IOException if the config has no disk, or any step fails (everything started is stopped again)
     */
    public static PvDisk boot(GuestConfig config, Options options, Narrator narrator) throws Exception {
        Objects.requireNonNull(config, "config");
        if (config.disks().isEmpty()) {
            throw new IOException("guest '" + config.name() + "' has no disk to serve");
        }
        DiskSpec spec = config.disks().getFirst();
        Path directory = Files.createTempDirectory("jxen-pvdisk-");
        List<AutoCloseable> started = new ArrayList<>();
        started.add(() -> deleteTree(directory));
        try {
            long dom0Pages = 256;
            // Guest RAM, dom0, and room for the toolstack's and backends' own pages.
            long frames = Math.max(16384, config.maxMemoryPages() + dom0Pages + 8192);
            Host host = Host.start(new Host.Options(directory, frames, dom0Pages, SystemClock.INSTANCE, true));
            started.add(host);
            narrator.step("host", "machine memory of " + (frames >> 8) + " MiB (" + frames + " frames) mapped from "
                    + directory.getFileName() + "/host.mem; hypervisor, dom0, xenstored on "
                    + directory.getFileName() + "/xenstored.sock, toolstack, dom0's blkback");
            int domid = host.toolstack().create(config);
            int domidFinal = domid;
            started.add(() -> {
                if (host.toolstack().guests().contains(domidFinal)) {
                    host.toolstack().destroy(domidFinal);
                }
            });
            String frontendPath = "/local/domain/" + domid + "/device/vbd/" + spec.vdev().number();
            String backendPath = XenstorePaths.backend(0, spec.backendKind(), domid, spec.vdev().number());
            narrator.step("create", config.name() + " -> domain " + domid + ": " + config.memoryMib() + " MiB, "
                    + config.vcpus() + " vCPUs, " + spec.vdev().name() + " (vbd " + spec.vdev().number() + ") on "
                    + spec.target() + " (" + spec.mode() + ")");
            host.hypervisor().unpause(domid);
            // The guest's rdtsc reads its domain's TSC, as the CPU would.
            DomainTime domainTime = ((JxenTime.Domain) host.hypervisor().byId(domid).timekeeping()).time();
            GuestKernel guest = GuestKernel.boot(host.hypervisor().platform(domid),
                    GuestKernel.Options.defaults(SystemClock.INSTANCE)
                            .withRdtsc(() -> domainTime.tsc().tscAt(host.hypervisor().systemTime())));
            if (!guest.xenPvDomain()) {
                throw new IllegalStateException("the guest did not detect a Xen PV domain");
            }
            narrator.step("boot", guest.banner() + "; " + guest.vcpus() + " vCPUs, " + guest.nrPages() + " pages");
            VcpuThreads vcpus = VcpuThreads.start(guest);
            started.add(vcpus);
            XenstoreRingClient xs = XenstoreRingClient.open(guest);
            started.add(xs);
            narrator.step("xenstore", "the guest's ring is up (store_mfn/store_evtchn from start_info): "
                    + frontendPath + "/backend = " + xs.read(frontendPath + "/backend"));
            XenBus front = XenBus.front(new RingXenbusStore(xs), domid, XenBus.Options.defaults(SystemClock.INSTANCE));
            BlkfrontXenbusDriver driver = new BlkfrontXenbusDriver(guest, guest.grantTable(),
                    options.indirect(), options.persistent(), CompletionWaiter.blocking())
                    .withMaxQueues(options.queues())
                    .withMaxRingPageOrder(options.ringPageOrder())
                    .withInterruptsSpread(); // every vCPU has its thread (above)
            front.register(driver);
            // The bus agent only checks connect deadlines (seconds): long parks, no spinning.
            AgentRunner busRunner = AgentRunner.start(front, BackoffIdleStrategy.deadlines(), ErrorHandler.printing());
            started.add(busRunner);
            started.add(front);
            front.start();
            MultiQueueBlkfront blkfront = driver.whenConnected(Integer.toString(spec.vdev().number()))
                    .get(CONNECT_SECONDS, TimeUnit.SECONDS);
            PvDisk disk = new PvDisk(started, directory, host, domid, guest, blkfront, spec, frontendPath, backendPath);
            narrator.step("blkif", disk.negotiation());
            return disk;
        } catch (Exception | Error e) {
            closeAll(started, e);
            throw e;
        }
    }

    /** What the two ends published on XenBus (one line each), and what blkfront made of it. */
    public String negotiation() {
        return negotiation(host.xenstore(), backendPath, frontendPath)
                + "\n connected: " + (blkfront.sizeBytes() >> 20) + " MiB, " + blkfront.queues().size()
                + " queue(s), indirect segments " + blkfront.queues().getFirst().maxIndirectSegments()
                + ", persistent grants " + blkfront.queues().getFirst().persistentGrants() + ", capabilities "
                + blkfront.capabilities();
    }

    /**
     * The io/blkif.h keys a vbd's backend and frontend published, one line per end (keys not
     * written are left out), read through {@code xs}.
     */
    public static String negotiation(io.jxen.xenstore.client.XenstoreClient xs, String backendPath,
                                     String frontendPath) {
        StringBuilder line = new StringBuilder("backend ").append(backendPath).append(':');
        for (String key : List.of("sectors", "sector-size", "physical-sector-size", "info", "mode",
                "feature-flush-cache", "feature-barrier", "feature-discard", "feature-persistent",
                "feature-max-indirect-segments", "max-ring-page-order", "multi-queue-max-queues")) {
            String value = readOrNull(xs, backendPath + "/" + key);
            if (value != null) {
                line.append(' ').append(key).append('=').append(value);
            }
        }
        line.append("\n frontend ").append(frontendPath).append(':');
        for (String key : List.of("ring-ref", "ring-ref0", "ring-page-order", "num-ring-pages", "event-channel", "protocol", "feature-persistent",
                "multi-queue-num-queues", "state")) {
            String value = readOrNull(xs, frontendPath + "/" + key);
            if (value != null) {
                line.append(' ').append(key).append('=').append(value);
            }
        }
        return line.toString();
    }

    private static String readOrNull(io.jxen.xenstore.client.XenstoreClient xs, String path) {
        try {
            return xs.read(path);
        } catch (Exception e) {
            return null;
        }
    }

    /** The guest's disk: any byte range (read-modify-write below the sector). */
    public ReadModifyWriteDevice disk() {
        return disk;
    }

    /** blkfront itself (whole sectors only). */
    public MultiQueueBlkfront blkfront() {
        return blkfront;
    }

    /**
     * Payload buffers for an NBD export of {@link #disk()}: views of the disk's registered I/O
     * buffers ({@link MultiQueueBlkfront#allocateBuffer}: guest memory granted to the backend once,
     * so blkfront copies nothing) while at most an eighth of the guest's memory is in them (the
     * rest stays for blkfront's own pages), plain
     * direct buffers (blkfront's copy path) beyond that or if the guest has no run of pages left.
     * A buffer the server's pool drops is closed, its pages and grants given back.
     */
    public NbdServer.PayloadBuffers payloadBuffers() {
        return new RegisteredPayloads(blkfront, guest.nrPages() * 4096 / 8);
    }

    /** {@link #payloadBuffers()}: registered buffers by the address of their views. */
    private static final class RegisteredPayloads implements NbdServer.PayloadBuffers {
        private final MultiQueueBlkfront disk;
        private final long budget;
        private final java.util.concurrent.atomic.AtomicLong used = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.ConcurrentHashMap<Long, BlockBuffer> byAddress =
                new java.util.concurrent.ConcurrentHashMap<>();

        RegisteredPayloads(MultiQueueBlkfront disk, long budget) {
            this.disk = disk;
            this.budget = budget;
        }

        @Override
        public ByteBuffer allocate(int capacity) {
            if (used.addAndGet(capacity) <= budget) {
                try {
                    BlockBuffer buffer = disk.allocateBuffer(capacity);
                    ByteBuffer view = buffer.buffer();
                    byAddress.put(MemorySegment.ofBuffer(view).address(), buffer);
                    return view;
                } catch (IOException e) {
                    System.getLogger("jxen.host").log(System.Logger.Level.DEBUG, "no registered buffer: " + e);
                }
            }
            used.addAndGet(-capacity);
            return ByteBuffer.allocateDirect(capacity);
        }

        @Override
        public void discard(ByteBuffer buffer) {
            BlockBuffer registered = byAddress.remove(MemorySegment.ofBuffer(buffer).address());
            if (registered != null) {
                used.addAndGet(-registered.sizeBytes());
                registered.close();
            }
        }
    }

    /** The booted guest kernel (its interrupt counters: {@code guest().intr().vmstat()}). */
    public GuestKernel guest() {
        return guest;
    }

    /** The host. */
    public Host host() {
        return host;
    }

    /** The guest's domain id. */
    public int domid() {
        return domid;
    }

    /** The image file dom0's blkback serves. */
    public Path image() {
        return Path.of(spec.target());
    }

    /** The host's directory (memory file and xenstored socket), deleted on close. */
    public Path directory() {
        return directory;
    }

    /**
     * Flushes the disk, disconnects blkfront, destroys the guest and stops the host; the image
     * file stays. Throws the first failure after trying every step.
     */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            if (!blkfront.readOnly()) {
                blkfront.flush();
            }
        } catch (IOException e) {
            failure = e;
        }
        closeAll(closeInReverse, failure);
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeAll(List<AutoCloseable> started, Throwable failure) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    System.getLogger("jxen.host").log(System.Logger.Level.WARNING, "stopping: " + e);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
