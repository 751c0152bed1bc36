package io.jxen.host.backend;

import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.hv.evtchn.EventChannels;
import io.jxen.host.toolstack.JvmKernels;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7's crash test: a block driver domain in a JVM of its own (xl.cfg
 * {@code kernel = "jvm:...DriverDomain"}, booted by the toolstack's {@link JvmKernels}) serves a
 * guest's disk ({@code backend="dd"}); the guest writes a storm of checksummed blocks with
 * periodic flushes through two blkfront queues with persistent grants. Three times, at seeded
 * points of the storm, the driver domain's JVM is killed ({@code kill -9}): the domain crashes
 * as its vCPUs' connections close; twice {@code on_crash = "destroy"} removes it and the test,
 * as an admin, runs {@code xl create} again (a new JVM): the first time another domain has
 * taken the old id meanwhile, so the driver domain comes back under a new id and the toolstack
 * points the guest's vbd at it ({@code backend}/{@code backend-id} rewritten, the backend half
 * under the new home), the second time under the same id at once (without waiting for the
 * frontend to notice); the last time {@code on_crash = "restart"} does all of that by itself.
 * Each time blkfront reconnects (following the backend to its new domain: rings, ports and
 * replayed requests granted to it) and replays what was in flight, and the writers carry on.
 *
 * <p>Checked on the image file: right after each kill, every write acknowledged before the last
 * completed flush is there with its checksum (or a later version of that block); at the end,
 * every block holds exactly the last acknowledged version (nothing lost, no replayed older write
 * landing over a newer one). Checked in the hypervisor: the dead JVM's hypercall connections are
 * gone; once the domain is destroyed the guest's grant table holds nothing pinned for it, no
 * guest port is bound to it, dom0 holds no port of it; after each reconnect the guest has exactly
 * one port per queue bound to the driver domain; the hypercall boundary saw no internal error.
 * Every wait is on observable state under a hang guard; a failure names the seed
 * ({@code -Djxen.test.seed=N} replays the same storm and kill points; the interleaving with the
 * kill is the machine's) and prints the driver domains' logs.
 */
class DriverDomainKillTest {

    private static final int BLOCK = 4096;
    private static final int WRITERS = 4;
    private static final int BLOCKS_PER_WRITER = 64;
    private static final int FLUSH_EVERY = 16;
    private static final int KILLS = 3;
    private static final int WRITES_BETWEEN_KILLS = 600;
    private static final long MAGIC = 0x6a78656e6b696c6cL; // "jxenkill"
    private static final long HANG_GUARD_SECONDS = 90;

    @TempDir
    Path dir;

    /** The toolstack's lifecycle lines ("d3 (dd) shut down (crash): restart"), printed on failure. */
    private final List<String> toolstackLog = java.util.Collections.synchronizedList(new ArrayList<>());

    @Test
    @Timeout(300)
    void killingTheDriverDomainMidStormLosesNoAcknowledgedWriteAndTheFrontendCarriesOn() throws Exception {
        long seed = Long.getLong("jxen.test.seed", new SplittableRandom().nextLong());
        String params = "seed=" + seed + " (-Djxen.test.seed=" + seed + ") writers=" + WRITERS + " blocks/writer="
                + BLOCKS_PER_WRITER + " flush every " + FLUSH_EVERY + " writes of writer 0, "
                + KILLS + " kills about " + WRITES_BETWEEN_KILLS + " writes apart";
        try {
            run(seed);
        } catch (Throwable t) {
            StringBuilder logs = new StringBuilder();
            try (var files = java.nio.file.Files.list(dir)) {
                for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                    logs.append("\n--- ").append(log.getFileName()).append(":\n")
                            .append(java.nio.file.Files.readString(log));
                }
            }
            logs.append("\n--- toolstack:\n");
            synchronized (toolstackLog) {
                toolstackLog.forEach(line -> logs.append(line).append('\n'));
            }
            // A hang shows where: every thread of this JVM, virtual ones included (the
            // xenstore client's reader is one), as jcmd's Thread.dump_to_file prints them.
            logs.append("\n--- threads:\n");
            try {
                Path dump = dir.resolve("threads.txt");
                java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                        .dumpThreads(dump.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
                logs.append(java.nio.file.Files.readString(dump));
            } catch (IOException | RuntimeException e) {
                logs.append("(no thread dump: ").append(e).append(")\n");
            }
            throw new AssertionError(params + ": " + t + logs, t);
        }
    }

    private static String ddConfig(long maxMib, String onCrash) {
        return "name = \"dd\"\nmemory = 16\nmaxmem = " + maxMib + "\nvcpus = 1\non_crash = \"" + onCrash
                + "\"\nkernel = \"" + JvmKernels.PREFIX + DriverDomain.class.getName() + "\"\n";
    }

    private void run(long seed) throws Exception {
        // The image lives in memory (/dev/shm) where there is one: what a kill -9 of the
        // backend's process can lose is what never reached the kernel, so the page cache is
        // the disk here, and the storm's FLUSH_DISKCACHEs (fsync) then cost nothing. On the
        // VM's disk an fsync took up to 21 s while other processes wrote, so under load the
        // storm missed its 90 s hang guard (seen twice in full-suite runs beside two busy loops).
        Path shm = Path.of("/dev/shm");
        Path imageDir = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "jxen-ddkill-") : dir;
        try {
            run(seed, imageDir.resolve("disk.img"));
        } finally {
            if (!imageDir.equals(dir)) {
                Files.deleteIfExists(imageDir.resolve("disk.img"));
                Files.deleteIfExists(imageDir);
            }
        }
    }

    private void run(long seed, Path image) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(4L << 20);
        }
        long ddMaxMib = (DriverDomain.requiredMaxPages(16L << 8) + 255) / 256 + 8;
        // The first two incarnations are destroyed when they crash (the test then checks what
        // is left and creates the next); the third is restarted by the toolstack itself.
        GuestConfig ddCfg = GuestConfig.parse("dd.cfg", ddConfig(ddMaxMib, "destroy"), dir);
        GuestConfig ddRestartingCfg = GuestConfig.parse("dd.cfg", ddConfig(ddMaxMib, "restart"), dir);
        GuestConfig guestCfg = GuestConfig.parse("g.cfg", "name = \"g\"\nmemory = 16\nvcpus = 1\n"
                + "disk = [ 'format=raw, vdev=xvda, access=rw, backend=dd, target=" + image + "' ]\n", dir);

        try (Host host = Host.start(new Host.Options(dir, 24576, 256, SystemClock.INSTANCE, true))) {
            host.toolstack().setLog(line -> toolstackLog.add(System.nanoTime() / 1_000_000 + " ms: " + line));
            Hypervisor hv = host.hypervisor();
            JvmKernels kernels = host.jvmKernels();
            int dom0PortsBefore = openPorts(hv.byId(0).eventChannels());

            // The driver domain first (the guest's disk names it); xl create boots its JVM.
            int dd = host.toolstack().create(ddCfg);
            int filler = -1;
            awaitReady(kernels, dd, -1);

            int g = host.toolstack().create(guestCfg);
            String fe = "/local/domain/" + g + "/device/vbd/51712";
            assertThat(host.xenstore().read(fe + "/backend")).isEqualTo("/local/domain/" + dd + "/backend/vbd/" + g + "/51712");
            assertThat(host.xenstore().read(fe + "/backend-id")).isEqualTo(Integer.toString(dd));

            GuestKernel guest = GuestKernel.boot(hv.platform(g), GuestKernel.Options.defaults(SystemClock.INSTANCE));
            List<AutoCloseable> guestParts = new ArrayList<>();
            guestParts.add(VcpuThreads.start(guest));
            XenstoreRingClient gxs = XenstoreRingClient.open(guest);
            guestParts.add(gxs);
            XenBus front = XenBus.front(new RingXenbusStore(gxs), g, XenBus.Options.defaults(SystemClock.INSTANCE));
            BlkfrontXenbusDriver driver = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32, true,
                    CompletionWaiter.blocking()).withMaxQueues(2);
            front.register(driver);
            guestParts.add(AgentRunner.start(front, BackoffIdleStrategy.defaults(), ErrorHandler.printing()));
            front.start();
            MultiQueueBlkfront disk = driver.whenConnected("51712").get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);

            Storm storm = new Storm(seed, disk);
            storm.start();
            SplittableRandom killPoints = new SplittableRandom(seed);
            for (int cycle = 1; cycle <= KILLS; cycle++) {
                String c = "kill " + cycle + ": ";
                int ddNow = dd;
                int target = storm.acked.get() + WRITES_BETWEEN_KILLS / 2 + killPoints.nextInt(WRITES_BETWEEN_KILLS);
                int flushTarget = storm.flushes.get() + 2;
                until(c + "the storm reached " + target + " writes and " + flushTarget + " flushes", storm,
                        () -> storm.acked.get() >= target && storm.flushes.get() >= flushTarget);

                // kill -9 mid-storm.
                JvmKernels.Running victim = kernels.running(ddNow).orElseThrow();
                victim.process().destroyForcibly();
                assertThat(victim.process().waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
                int[] durable = storm.lastFlushed.get();
                // Every write acknowledged before the last completed flush is on the image,
                // checksummed (or a later version of its block: written, not yet acknowledged).
                int[] onDisk = readImage(image, seed);
                for (int b = 0; b < durable.length; b++) {
                    if (durable[b] > 0) {
                        assertThat(onDisk[b]).as("%sblock %d: flushed version %d", c, b, durable[b])
                                .isGreaterThanOrEqualTo(durable[b]).isLessThanOrEqualTo(storm.issued.get(b));
                    }
                }
                // The hypervisor side of the dead process's sockets is gone, and nothing broke there.
                until(c + "the dead JVM's hypercall connections dropped", storm,
                        () -> victim.server().connectionCount() == 0);
                if (cycle < KILLS) {
                    // Each writer ends up waiting on a request the dead backend will never answer
                    // (not checked the last time: the toolstack's restart may already serve them).
                    until(c + "every writer waits on an unanswered request", storm, () -> inFlight(disk) >= WRITERS);
                }

                if (cycle == KILLS) {
                    // on_crash = "restart": the toolstack destroys it and creates it again, and
                    // the new incarnation's JVM boots.
                    awaitReady(kernels, ddNow, victim.process().pid());
                } else {
                    // on_crash = "destroy": its grant mappings and ports went with it, whatever
                    // its process did.
                    until(c + "the toolstack destroyed the crashed d" + ddNow, storm,
                            () -> host.toolstack().record(ddNow) == null && hv.byId(ddNow) == null);
                    if (cycle != 2) {
                        // (The second time, xl create follows at once: the frontend may see the
                        // backend's directory come back Closed before it saw it go.)
                        until(c + "the frontend saw its backend vanish (Closed)", storm,
                                () -> "6".equals(read(host, fe + "/state")));
                    }
                    assertNothingLeftOf(hv, g, ddNow, c);
                    // (The filler is a bare domain: no store or console port.)
                    until(c + "dom0 holds only the store and console ports of g", storm,
                            () -> openPorts(hv.byId(0).eventChannels()) == dom0PortsBefore + 2);

                    if (cycle == 1) {
                        // Another domain takes the dead driver domain's id: asked for by number
                        // (XEN_DOMCTL_createdomain's domid; the rover would not hand it out again
                        // soon), paused, no kernel.
                        filler = hv.createDomain(io.jxen.hv.domain.DomainConfig.of(4096, 1), ddNow).domid();
                        assertThat(filler).isEqualTo(ddNow);
                        // xl create dd.cfg: a new id; the toolstack moves the vbd to it.
                        dd = host.toolstack().create(ddCfg);
                        assertThat(dd).as(c + "the driver domain's new id").isNotEqualTo(ddNow);
                        String be = "/local/domain/" + dd + "/backend/vbd/" + g + "/51712";
                        assertThat(read(host, fe + "/backend")).isEqualTo(be);
                        assertThat(read(host, fe + "/backend-id")).isEqualTo(Integer.toString(dd));
                        assertThat(read(host, "/libxl/" + g + "/device/vbd/51712/backend")).isEqualTo(be);
                        assertThat(read(host, be + "/frontend")).isEqualTo(fe);
                        assertThat(read(host, "/local/domain/" + ddNow + "/backend/vbd/" + g + "/51712/state")).isNull();
                    } else {
                        // xl create dd.cfg: the same id, its backend half written again, a new JVM.
                        assertThat(host.toolstack().create(cycle == KILLS - 1 ? ddRestartingCfg : ddCfg)).isEqualTo(dd);
                        assertThat(read(host, "/local/domain/" + dd + "/backend/vbd/" + g + "/51712/frontend"))
                                .isEqualTo(fe);
                    }
                    awaitReady(kernels, dd, victim.process().pid());
                }
                int ddNew = dd;
                until(c + "the frontend reconnected", storm, () -> "4".equals(read(host, fe + "/state")) && disk.connected());
                assertThat(portsBoundTo(hv.byId(g).eventChannels(), ddNew)).as(c + "g's ports bound to d%d: one per queue",
                        ddNew).isEqualTo(disk.queues().size());
                assertThat(disk.backendDomid()).isEqualTo(ddNew);
                assertThat(hv.byId(g).grantTable().pinnedFor(ddNew)).as(c + "g's rings mapped by d%d", ddNew).isPositive();
                if (filler >= 0) {
                    // The rings and persistent pages were granted to the new domain, not the old id's holder.
                    assertThat(hv.byId(g).grantTable().pinnedFor(filler)).as(c + "g's pages mapped for d%d", filler).isZero();
                    assertThat(portsBoundTo(hv.byId(g).eventChannels(), filler)).isZero();
                }
                assertThat(hv.internalErrors()).as("%s%s", c, hv.lastInternalError()).isZero();
            }
            // The writers' requests left unanswered on the dead rings went out again on the new
            // ones (a request the dead backend had answered but whose response was not yet taken
            // completes instead, so this is a total, not a per-kill count).
            long replayed = 0;
            for (Blkfront q : disk.queues()) {
                replayed += q.replayedRequests();
            }
            assertThat(replayed).as("requests replayed onto the new rings").isPositive();
            int finalTarget = storm.acked.get() + WRITES_BETWEEN_KILLS;
            int finalFlushes = storm.flushes.get() + 2;
            until("the storm went on after the last restart", storm,
                    () -> storm.acked.get() >= finalTarget && storm.flushes.get() >= finalFlushes);
            storm.stopAndJoin();
            storm.check();
            disk.flush();
            assertThat(read(host, "/local/domain/" + g + "/error/device/vbd/51712/error")).as("error node cleared").isNull();

            // Every block holds exactly its last acknowledged version, checksummed.
            int[] end = readImage(image, seed);
            for (int b = 0; b < end.length; b++) {
                assertThat(end[b]).as("block %d at the end", b).isEqualTo(storm.issued.get(b));
            }

            // xl destroy of the last incarnation (its JVM is stopped), then of the guest: nothing
            // of either is left.
            host.toolstack().destroy(dd);
            assertThat(kernels.running(dd)).isEmpty();
            assertNothingLeftOf(hv, g, dd, "at the end: ");
            hv.destroyDomain(filler);
            for (int i = guestParts.size() - 1; i >= 0; i--) {
                guestParts.get(i).close();
            }
            host.toolstack().destroy(g);
            until("dom0's ports back to what they were", storm,
                    () -> openPorts(hv.byId(0).eventChannels()) == dom0PortsBefore);
            assertThat(hv.domids()).containsExactly(0);
            assertThat(hv.internalErrors()).as("%s", hv.lastInternalError()).isZero();
        }
    }

    /** Once driver domain {@code dd} is destroyed: nothing of the guest's is still mapped or bound for it. */
    private static void assertNothingLeftOf(Hypervisor hv, int g, int dd, String c) {
        assertThat(hv.byId(dd)).isNull();
        Domain gd = hv.byId(g);
        assertThat(gd.grantTable().pinnedFor(dd)).as("%sgrants of g still mapped for the dead d%d", c, dd).isZero();
        assertThat(portsBoundTo(gd.eventChannels(), dd)).as("%sg's ports bound to the dead d%d", c, dd).isZero();
        assertThat(hv.internalErrors()).as("%s%s", c, hv.lastInternalError()).isZero();
    }

    /** Waits until a JVM other than {@code previousPid} runs domain {@code domid}'s kernel and says it is ready. */
    private static void awaitReady(JvmKernels kernels, int domid, long previousPid) {
        String ready = "driver domain d" + domid + " ready";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        BooleanSupplier up = () -> kernels.running(domid).map(r -> r.process().pid() != previousPid).orElse(false)
                && kernels.output(domid).contains(ready);
        while (!up.getAsBoolean() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(up.getAsBoolean()).as("d%d's kernel JVM said '%s': %s", domid, ready, kernels.output(domid)).isTrue();
    }

    // ---- the storm ---------------------------------------------------------------------------------

    /** WRITERS threads, each overwriting blocks of its own stripe; writer 0 flushes every FLUSH_EVERY writes. */
    private static final class Storm {
        final long seed;
        final MultiQueueBlkfront disk;
        /** Highest version written (issued) per block: writers own their stripes, one write at a time. */
        final AtomicIntegerArray issued = new AtomicIntegerArray(WRITERS * BLOCKS_PER_WRITER);
        /** Version acknowledged per block. */
        final AtomicIntegerArray acked0 = new AtomicIntegerArray(WRITERS * BLOCKS_PER_WRITER);
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger flushes = new AtomicInteger();
        /** The acknowledged versions taken before the last flush that completed. */
        final AtomicReference<int[]> lastFlushed = new AtomicReference<>(new int[WRITERS * BLOCKS_PER_WRITER]);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stop;

        Storm(long seed, MultiQueueBlkfront disk) {
            this.seed = seed;
            this.disk = disk;
        }

        void start() {
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().daemon().name("storm-" + w).start(() -> write(writer)));
            }
        }

        private void write(int writer) {
            SplittableRandom random = new SplittableRandom(seed + writer);
            ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            int mine = 0;
            try {
                while (!stop) {
                    int b = writer * BLOCKS_PER_WRITER + random.nextInt(BLOCKS_PER_WRITER);
                    int v = issued.get(b) + 1;
                    issued.set(b, v);
                    fill(buf, seed, b, v);
                    disk.write((long) b * BLOCK, buf, false);
                    acked0.set(b, v);
                    acked.incrementAndGet();
                    if (writer == 0 && ++mine % FLUSH_EVERY == 0) {
                        int[] snapshot = new int[acked0.length()];
                        for (int i = 0; i < snapshot.length; i++) {
                            snapshot[i] = acked0.get(i);
                        }
                        disk.flush(); // durable: every write acknowledged before this call
                        lastFlushed.set(snapshot);
                        flushes.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(HANG_GUARD_SECONDS));
                assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
            }
        }

        void check() {
            if (failure.get() != null) {
                throw new AssertionError("a writer failed: " + failure.get(), failure.get());
            }
        }
    }

    /** A block: magic, seed, block number, version, payload from them, CRC32C of the rest last. */
    static void fill(ByteBuffer buf, long seed, int block, int version) {
        buf.clear();
        buf.putLong(MAGIC).putLong(seed).putInt(block).putInt(version);
        SplittableRandom payload = new SplittableRandom(seed ^ ((long) block << 32) ^ version * 0x9E3779B97F4A7C15L);
        while (buf.position() < BLOCK - 4) {
            buf.put((byte) payload.nextInt());
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().flip());
        buf.putInt((int) crc.getValue());
        buf.flip();
    }

    /** Each block's version on the image (0: never written), failing on anything not written whole. */
    static int[] readImage(Path image, long seed) throws IOException {
        int[] versions = new int[WRITERS * BLOCKS_PER_WRITER];
        byte[] raw = new byte[BLOCK];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            for (int b = 0; b < versions.length; b++) {
                f.seek((long) b * BLOCK);
                f.readFully(raw);
                ByteBuffer got = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                if (got.getLong(0) == 0 && got.getLong(24) == 0 && isZero(raw)) {
                    continue;
                }
                int version = got.getInt(20);
                ByteBuffer want = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
                fill(want, seed, b, version);
                assertThat(got.getInt(16)).as("block %d's number", b).isEqualTo(b);
                assertThat(got).as("block %d version %d: checksummed contents", b, version).isEqualTo(want);
                versions[b] = version;
            }
        }
        return versions;
    }

    private static boolean isZero(byte[] raw) {
        for (byte x : raw) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    // ---- observations ----------------------------------------------------------------------------

    private static void until(String what, Storm storm, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
            if (storm.failure.get() != null) {
                storm.check();
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        storm.check();
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    private static int inFlight(MultiQueueBlkfront disk) {
        int n = 0;
        for (Blkfront q : disk.queues()) {
            n += q.inFlight();
        }
        return n;
    }

    private static String read(Host host, String path) {
        try {
            return host.xenstore().read(path);
        } catch (Exception e) {
            return null;
        }
    }

    private static int openPorts(EventChannels e) {
        int open = 0;
        for (int p = 1; p < e.validPorts(); p++) {
            if (e.state(p) != ChannelState.FREE && e.state(p) != ChannelState.RESERVED) {
                open++;
            }
        }
        return open;
    }

    private static int portsBoundTo(EventChannels e, int domid) {
        int n = 0;
        for (int p = 1; p < e.validPorts(); p++) {
            if (e.state(p) == ChannelState.INTERDOMAIN && e.remoteDomid(p) == domid) {
                n++;
            }
        }
        return n;
    }
}
