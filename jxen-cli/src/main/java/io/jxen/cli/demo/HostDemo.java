package io.jxen.cli.demo;

import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.control.XenControl;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.time.XenTimeDevice;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.host.Host;
import io.jxen.host.PvDisk;
import io.jxen.host.toolstack.XenstorePaths;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.control.XlList;
import io.jxen.runtime.SystemClock;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The host part of the demo: a whole host in this JVM (machine memory, hypervisor, dom0,
 * xenstored, toolstack), a guest created from the shipped {@code examples/guest.cfg}, a guest
 * kernel booted on it that detects Xen and takes interrupts on both vCPUs, then the guest
 * destroyed and the host checked for leftovers.
 */
public final class HostDemo {

    /** Machine memory of the demo host: 64 MiB. */
    private static final long FRAMES = 16384;

    /** MiB the block workload writes, flushes and reads back. */
    private static final int WORKLOAD_MIB = 32;

    private final PrintWriter out;
    private final Progress.Mode progress;

    /**
     * @param out      where the demo narrates
     * @param progress how the block workload shows its progress
     */
    public HostDemo(PrintWriter out, Progress.Mode progress) {
        this.out = out;
        this.progress = progress;
    }

    /** Runs it; throws if any step does not do what it says. */
    public void run() throws Exception {
        Path dir = Files.createTempDirectory("jxen-demo-");
        try {
            Path cfg = dir.resolve("guest.cfg");
            try (InputStream example = HostDemo.class.getResourceAsStream("/examples/guest.cfg")) {
                if (example == null) {
                    throw new IllegalStateException("examples/guest.cfg is missing from the jxen jar");
                }
                Files.copy(example, cfg);
            }
            try (var image = new java.io.RandomAccessFile(dir.resolve("guest.img").toFile(), "rw")) {
                image.setLength(64L << 20);
            }
            try (Host host = Host.start(new Host.Options(dir, FRAMES, 256, SystemClock.INSTANCE, true))) {
                step("host", "machine memory of " + (FRAMES >> 8) + " MiB (" + FRAMES + " frames) mapped from "
                        + dir.getFileName() + "/host.mem; hypervisor, dom0, xenstored on "
                        + dir.getFileName() + "/xenstored.sock, toolstack");
                int domid = host.toolstack().create(GuestConfig.load(cfg));
                step("create", "examples/guest.cfg -> domain " + domid + " (xl list:)");
                XlList.format(host.stats().domains()).lines().forEach(line -> out.println("         " + line));
                String home = "/local/domain/" + domid;
                step("xenstore", home + "/name = " + host.xenstore().read(home + "/name")
                        + ", vbd 51712 backend " + host.xenstore().read(home + "/device/vbd/51712/backend"));
                host.hypervisor().unpause(domid);

                // rdtsc and cpuid come from the platform (GuestPlatform.cpu), as from the CPU.
                GuestKernel guest = GuestKernel.boot(host.hypervisor().platform(domid),
                        GuestKernel.Options.defaults(SystemClock.INSTANCE));
                if (!guest.xenDomain() || !guest.xenPvDomain()) {
                    throw new IllegalStateException("the guest did not detect a Xen PV domain");
                }
                step("guest", guest.banner());
                step("guest", "vcpu_info registered for " + guest.vcpus() + " vCPUs, " + guest.nrPages()
                        + " pages of RAM, shared_info mapped, xen_pv_domain() = " + guest.xenPvDomain());
                VcpuThreads vcpus = VcpuThreads.start(guest);
                java.util.concurrent.atomic.AtomicBoolean vcpusStopped = new java.util.concurrent.atomic.AtomicBoolean();
                Runnable stopVcpus = () -> {
                    if (vcpusStopped.compareAndSet(false, true)) {
                        vcpus.close();
                    }
                };
                XenstoreRingClient[] store = new XenstoreRingClient[1];
                try {
                    XenstoreRingClient xs = xenstore(guest, host, home);
                    store[0] = xs;
                    CountDownLatch acknowledged = new CountDownLatch(1);
                    new XenControl(guest, xs, new XenControl.Actions() {
                        @Override
                        public void beforeShutdown(String request) {
                            // As an OS stops its other CPUs before the last hypercall: the vCPU
                            // loops end while the domain can still take their wake-up IPIs.
                            stopVcpus.run();
                            acknowledged.countDown();
                        }
                    });
                    time(guest, host);
                    block(guest, xs, host, dir.resolve("guest.img"));
                    interrupts(guest);
                    shutdown(host, domid, acknowledged);
                } finally {
                    if (host.hypervisor().domids().contains(domid)) {
                        stopVcpus.run();
                    }
                    if (host.toolstack().guests().contains(domid)) {
                        host.toolstack().destroy(domid);
                    }
                    if (store[0] != null) {
                        // The domain is gone: fail what is still in flight (the control driver's
                        // last transaction) and end the xenwatch thread, no hypercall.
                        store[0].abandon();
                    }
                }
                List<Integer> left = host.hypervisor().domids();
                if (!left.equals(List.of(0)) || !host.xenstore().directory("/local/domain").equals(List.of("0"))) {
                    throw new IllegalStateException("shutdown left domains " + left + " behind");
                }
                step("destroy", "domain " + domid + " gone: no domain, port or xenstore node left behind");
            }
        } finally {
            deleteTree(dir);
        }
        out.flush();
    }

    private XenstoreRingClient xenstore(GuestKernel guest, Host host, String home) throws Exception {
        XenstoreRingClient xs = XenstoreRingClient.open(guest);
        String name = xs.read(home + "/name");
        xs.write(home + "/data/greeting", "hello from the guest's ring");
        String seenByDom0 = host.xenstore().read(home + "/data/greeting");
        if (!name.equals("guest") || !seenByDom0.equals("hello from the guest's ring")) {
            throw new IllegalStateException("xenstore over the ring: read name '" + name + "', dom0 saw '" + seenByDom0 + "'");
        }
        step("xenstore", "the guest's xenstore ring (store_mfn/store_evtchn from start_info, served by xenstored"
                + " through grant 1): read name = " + name + ", wrote data/greeting, dom0 reads it back");
        return xs;
    }

    /**
     * blkfront in the guest, negotiated over XenBus with dom0's blkback on the example's disk
     * image (both ends' keys shown); a seeded write/flush/read workload with a progress display,
     * checked against the model and against the image file itself. Ends with blkfront closed
     * over XenBus, so the guest can shut down with no device open.
     */
    private void block(GuestKernel guest, XenstoreRingClient xs, Host host, Path image) throws Exception {
        XenBus front = XenBus.front(new RingXenbusStore(xs), guest.domid(), XenBus.Options.defaults(SystemClock.INSTANCE));
        BlkfrontXenbusDriver driver = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32, true,
                CompletionWaiter.blocking());
        front.register(driver);
        // The bus agent only checks connect deadlines (seconds): long parks, no spinning.
        AgentRunner busRunner = AgentRunner.start(front, BackoffIdleStrategy.deadlines(), ErrorHandler.printing());
        try {
            front.start();
            MultiQueueBlkfront disk = driver.whenConnected("51712").get(30, TimeUnit.SECONDS);
            Blkfront queue = disk.queues().getFirst();
            step("block", "xvda connected over XenBus: " + disk.sizeBytes() / (1 << 20) + " MiB, "
                    + disk.queues().size() + " queue(s), indirect segments " + queue.maxIndirectSegments()
                    + ", persistent grants " + queue.persistentGrants());
            String negotiated = PvDisk.negotiation(host.xenstore(),
                    XenstorePaths.backend(0, "vbd", guest.domid(), 51712),
                    "/local/domain/" + guest.domid() + "/device/vbd/51712");
            negotiated.lines().forEach(line -> out.println("           " + line.strip()));
            workload(guest, host, disk, image);
        } finally {
            front.close();
            busRunner.close();
        }
        step("block", "blkfront closed over XenBus (state Closing -> Closed); xvda released");
    }

    private void workload(GuestKernel guest, Host host, MultiQueueBlkfront disk, Path image) throws Exception {
        int chunk = 1 << 20;
        int chunks = WORKLOAD_MIB;
        int flushEvery = 8;
        byte[] model = new byte[chunk * chunks];
        new java.util.SplittableRandom(7).nextBytes(model);
        long irqsBefore = guest.intr().count("xbd0");
        long lentBefore = host.blockBackends().lentRequests();
        int flushes = 0;
        long start = System.nanoTime();
        Progress writing = new Progress(out, progress, "write", model.length, start);
        for (int i = 0; i < chunks; i++) {
            disk.write((long) i * chunk, ByteBuffer.wrap(model, i * chunk, chunk), false);
            if ((i + 1) % flushEvery == 0) {
                disk.flush(); // BLKIF_OP_FLUSH_DISKCACHE: blkback fsyncs the image before it answers
                flushes++;
            }
            writing.update((long) (i + 1) * chunk, System.nanoTime());
        }
        writing.finish(System.nanoTime());
        long wrote = System.nanoTime() - start;
        ByteBuffer back = ByteBuffer.allocate(model.length);
        start = System.nanoTime();
        Progress reading = new Progress(out, progress, "read", model.length, start);
        for (int i = 0; i < chunks; i++) {
            ByteBuffer part = back.slice(i * chunk, chunk);
            disk.read((long) i * chunk, part);
            if (!java.util.Arrays.equals(back.array(), i * chunk, (i + 1) * chunk, model, i * chunk, (i + 1) * chunk)) {
                throw new IllegalStateException("block I/O: MiB " + i + " read back differs from what was written");
            }
            reading.update((long) (i + 1) * chunk, System.nanoTime());
        }
        reading.finish(System.nanoTime());
        long read = System.nanoTime() - start;
        byte[] onDisk = new byte[model.length];
        try (var file = new java.io.RandomAccessFile(image.toFile(), "r")) {
            file.readFully(onDisk);
        }
        if (!java.util.Arrays.equals(onDisk, model)) {
            throw new IllegalStateException("block I/O: the image file differs from what was written");
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(onDisk);
        step("block", String.format(java.util.Locale.ROOT,
                "wrote %d MiB in 1 MiB requests (%.0f MiB/s) with %d flushes, read it back (%.0f MiB/s): equal to"
                        + " the model and to the image file (crc32c %08x); %d xbd0 interrupts, %d requests served"
                        + " by dom0's blkback on the guest's own thread while it waited (lent, no event either way)",
                model.length >> 20, mibPerSecond(model.length, wrote), flushes, mibPerSecond(model.length, read),
                crc.getValue(), guest.intr().count("xbd0") - irqsBefore,
                host.blockBackends().lentRequests() - lentBefore));
    }

    /**
     * {@code xl shutdown}: the toolstack writes {@code poweroff} to the guest's
     * {@code control/shutdown}; the guest's control driver acknowledges and makes
     * {@code SCHEDOP_shutdown(poweroff)}; the toolstack applies {@code on_poweroff = "destroy"}.
     */
    private void shutdown(Host host, int domid, CountDownLatch acknowledged) throws Exception {
        long start = System.nanoTime();
        host.toolstack().shutdown(domid);
        if (!acknowledged.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the guest did not acknowledge control/shutdown within 30 s");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (host.hypervisor().domids().contains(domid)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("domain " + domid + " still exists 30 s after it shut down");
            }
            Thread.sleep(5);
        }
        step("shutdown", String.format(java.util.Locale.ROOT, "xl shutdown: control/shutdown = poweroff, the guest"
                + " acknowledged, stopped its vCPUs and made SCHEDOP_shutdown(poweroff), the toolstack applied on_poweroff = destroy"
                + " (%.0f ms)", (System.nanoTime() - start) / 1e6));
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / (double) (1 << 20) / (nanos / 1e9);
    }

    private void time(GuestKernel guest, Host host) throws InterruptedException {
        XenTimeDevice time = XenTimeDevice.attach(guest);
        long guestNs = time.timecounter().nanos(0);
        long hostNs = host.hypervisor().systemTime();
        if (Math.abs(guestNs - hostNs) > 1_000_000_000L) {
            throw new IllegalStateException("the guest's pvclock reads " + guestNs + " ns, the hypervisor's " + hostNs);
        }
        step("time", "XENTIMER timecounter (pvclock + TSC) reads " + guestNs / 1_000 + " us of system time,"
                + " the hypervisor " + hostNs / 1_000 + " us; RTC from the wallclock: "
                + java.time.Instant.ofEpochSecond(0, time.rtc().epochNanos(0)));
        int ticks = 50;
        CountDownLatch done = new CountDownLatch(guest.vcpus());
        int[] seen = new int[guest.vcpus()];
        time.eventTimer().onEvent(vcpu -> {
            if (++seen[vcpu] == ticks) {
                time.eventTimer().stop(vcpu);
                done.countDown();
            }
        });
        for (int v = 0; v < guest.vcpus(); v++) {
            time.eventTimer().start(v, 1_000_000, 1_000_000);
        }
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the event timers did not tick " + ticks + " times in 30 s");
        }
        step("time", "event timer per vCPU on VIRQ_TIMER, one-shot singleshot timers re-armed every 1 ms: "
                + ticks + " ticks on each of " + guest.vcpus() + " vCPUs (-ETIME retries: "
                + time.eventTimer().etimeRetries() + ")");
    }

    private void interrupts(GuestKernel guest) throws InterruptedException {
        int rounds = 1000;
        Semaphore received = new Semaphore(0);
        int[] irqs = new int[guest.vcpus()];
        for (int v = 0; v < guest.vcpus(); v++) {
            irqs[v] = guest.intr().bindIpi("ipi:c" + v, v, IrqHandler.filter(received::release));
        }
        {
            // One IPI at a time, each awaited: an IPI sent while the last is still pending
            // merges with it (an edge, as on hardware), and the demo counts every delivery.
            for (int i = 0; i < rounds; i++) {
                for (int irq : irqs) {
                    guest.intr().notify(irq);
                    if (!received.tryAcquire(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("an IPI was not delivered within 30 s");
                    }
                }
            }
        }
        step("intr", rounds * irqs.length + " IPIs across " + irqs.length
                + " vCPUs through event channels and the 2-level upcall; vmstat -i:");
        guest.intr().vmstat().lines().forEach(line -> out.println("         " + line));
        for (int irq : irqs) {
            guest.intr().unbind(irq);
        }
    }

    private void step(String what, String text) {
        out.printf("  %-8s %s%n", what, text);
        out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
