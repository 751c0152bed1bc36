package io.jxen.bench.block;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.host.PvDisk;
import io.jxen.host.config.GuestConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * {@code ./jxen bench block-qd32}: only {@code ./jxen bench block}'s 4 KiB random reads at queue
 * depth 32 (same guest, buffers and loop), long enough to profile, with what each request costs
 * the whole JVM besides its rate: CPU time of the process per request (guest program, blkfront,
 * hypervisor, dom0's blkback, the kernel's read: "all in") and thread switches per request
 * (voluntary and not, every thread of the process), against 32 threads doing
 * {@code FileChannel.read} on the same page-cached file, measured the same way in the same run.
 * On this 2-core machine the PV path's rate depends on the CPU share its few threads get next
 * to other load, the direct side's 32 threads get more of it; the CPU per request is the
 * figure the load moves least.
 */
public final class BlockQd32Bench implements Bench {

    private static final int SMALL = 4096;
    /** {@code -Djxen.bench.qd=N}: the queue depth (32 by default; 1 to profile the latency-bound path alone). */
    private static final int DEPTH = Integer.getInteger("jxen.bench.qd", 32);
    /** {@code -Djxen.bench.qd.seconds=S}: the measured stretch of each side (8 s by default, 2 with --quick). */
    private static final String SECONDS_PROPERTY = "jxen.bench.qd.seconds";
    private static final long SIZE = 256L << 20;
    private static final int ROUND = 40_000;

    @Override
    public String name() {
        return "block-qd32";
    }

    @Override
    public String description() {
        return "4 KiB random reads at QD32 only (PV path vs direct FileChannel): IOPS, CPU us and thread switches per request";
    }

    /** What one side did over its measured stretch. */
    private record Stretch(long requests, long wallNanos, long cpuNanos, long switches) {
        double iops() {
            return requests / (wallNanos / 1e9);
        }

        double cpuMicrosPerRequest() {
            return cpuNanos / 1e3 / requests;
        }

        double switchesPerRequest() {
            return switches / (double) requests;
        }
    }

    private interface Round {
        void run(long seed) throws Exception;
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        double seconds = Double.parseDouble(System.getProperty(SECONDS_PROPERTY, quick ? "2" : "8"));
        Figures figures = new Figures();
        io.jxen.bench.WaitPolicy.record(out, figures);
        Path dir = Files.createTempDirectory("jxen-bench-qd32-");
        try {
            Path image = dir.resolve("disk.img");
            try (FileChannel f = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                f.write(ByteBuffer.allocate(1), SIZE - 1);
            }
            try (FileChannel f = FileChannel.open(image, StandardOpenOption.READ)) { // both sides read from the page cache
                ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                for (long at = 0; at < SIZE; at += b.capacity()) {
                    b.clear();
                    f.read(b, at);
                }
            }
            Path cfg = dir.resolve("bench.cfg");
            Files.writeString(cfg, "name = \"bench\"\nmemory = 64\nvcpus = 2\n"
                    + "disk = [ 'format=raw, vdev=xvda, access=rw, target=disk.img' ]\n");
            try (PvDisk pv = PvDisk.boot(GuestConfig.load(cfg), new PvDisk.Options(2, 256, true, Blkfront.MAX_RING_PAGE_ORDER),
                    PvDisk.Narrator.SILENT);
                 FileChannel channel = FileChannel.open(image, StandardOpenOption.READ);
                 ExecutorService threads = Executors.newFixedThreadPool(DEPTH)) {
                MultiQueueBlkfront disk = pv.blkfront();
                ByteBuffer small = disk.allocateBuffer(DEPTH * SMALL).buffer();
                int perRound = DEPTH == 1 ? ROUND / 8 : ROUND;
                Round pvRound = seed -> BlockBench.pvRandomReads(disk, small, SIZE, DEPTH, perRound, seed);
                Round directRound = seed -> BlockBench.directRandomReads(channel, threads, SIZE, DEPTH, perRound, seed);
                measure(pvRound, perRound, seconds / 4); // warm-up (JIT, persistent grants)
                measure(directRound, perRound, seconds / 4);
                Stretch pvSide = measure(pvRound, perRound, seconds);
                Stretch direct = measure(directRound, perRound, seconds);
                out.printf("PV:     %.0f IOPS, %.2f us CPU/request, %.2f switches/request%n", pvSide.iops(),
                        pvSide.cpuMicrosPerRequest(), pvSide.switchesPerRequest());
                out.printf("direct: %.0f IOPS, %.2f us CPU/request, %.2f switches/request%n", direct.iops(),
                        direct.cpuMicrosPerRequest(), direct.switchesPerRequest());
                out.printf("ratio %.2f (target >= 0.5)%n", pvSide.iops() / direct.iops());
                return figures
                        .put("pv_qd32_iops", pvSide.iops())
                        .put("direct_qd32_iops", direct.iops())
                        .put("ratio_qd32", pvSide.iops() / direct.iops())
                        .put("pv_cpu_us_per_request", pvSide.cpuMicrosPerRequest())
                        .put("direct_cpu_us_per_request", direct.cpuMicrosPerRequest())
                        .put("pv_switches_per_request", pvSide.switchesPerRequest())
                        .put("direct_switches_per_request", direct.switchesPerRequest());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Stretch measure(Round round, int perRound, double seconds) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long switches0 = switches();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long requests = 0;
        for (long seed = 1; System.nanoTime() < end; seed++) {
            round.run(seed);
            requests += perRound;
        }
        long wall = System.nanoTime() - start;
        return new Stretch(requests, wall, os.getProcessCpuTime() - cpu0, switches() - switches0);
    }

    /** Voluntary and involuntary context switches of every thread of this process so far. */
    private static long switches() throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }
}
