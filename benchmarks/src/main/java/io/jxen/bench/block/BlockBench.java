package io.jxen.bench.block;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.host.PvDisk;
import io.jxen.host.config.GuestConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code ./jxen bench block}: the whole PV path (a program in a booted guest calling blkfront,
 * the ring, dom0's blkback, the image file) against direct {@link FileChannel} I/O on the same
 * file, in one run: sequential 1 MiB writes (ending with a flush: FLUSH_DISKCACHE vs
 * {@code force}) and reads, and 4 KiB random reads at queue depth 1 and 32. Each figure is the
 * best of several rounds after uncounted warm-up rounds (20 s), PV and direct alternating; the file is in the page cache for reads
 * on both sides, so the ratios show what the PV path costs, not the disk.
 *
 * <p>Buffers: the program in the guest reads into and writes from guest memory, as a program
 * in a guest does: registered buffers of the disk ({@link MultiQueueBlkfront#allocateBuffer},
 * granted to the backend once; one of 1 MiB for the sequential runs, 32 slices of 4 KiB of
 * another for the random ones), so blkfront copies nothing and blkback's {@code preadv}/
 * {@code pwritev} move the data straight between the file and those pages. The direct side
 * uses direct {@link ByteBuffer}s. Both fill their write buffer from the same array.
 */
public final class BlockBench implements Bench {

    private static final int MIB = 1 << 20;
    private static final int SMALL = 4096;

    @Override
    public String name() {
        return "block";
    }

    @Override
    public String description() {
        return "guest blkfront -> ring -> dom0 blkback -> file vs direct FileChannel: seq 1 MiB read/write, 4 KiB random read QD1/QD32";
    }

    /** One side of the comparison: the four workloads. */
    private interface Side {
        /** The buffer of the sequential runs (1 MiB). */
        ByteBuffer sequentialBuffer() throws Exception;

        void write(long offset, ByteBuffer src) throws Exception;

        void flush() throws Exception;

        void read(long offset, ByteBuffer dst) throws Exception;

        /** Random 4 KiB reads at {@code depth} in flight, {@code count} in all. */
        void randomReads(long sizeBytes, int depth, int count, long seed) throws Exception;
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        long sizeBytes = (quick ? 64L : 256L) * MIB;
        int rounds = Integer.getInteger("jxen.bench.block.rounds", quick ? 2 : 3); // -Djxen.bench.block.rounds=N: counted rounds
        // -Djxen.bench.block.warmups=N and -Djxen.bench.block.warmupSeconds=S: uncounted rounds
        // first, at least N of them and for at least S seconds (A/B of the warm-up itself).
        int warmups = Integer.getInteger("jxen.bench.block.warmups", 3);
        double warmupSeconds = Double.parseDouble(System.getProperty("jxen.bench.block.warmupSeconds", quick ? "2" : "20"));
        int randomOps = quick ? 5_000 : 40_000;
        // -Djxen.bench.block.phases=write,read,qd1,qd32: the workloads run (all by default; one
        // alone to profile it). A phase left out reports a meaningless figure.
        java.util.Set<String> phases = java.util.Set.of(System.getProperty("jxen.bench.block.phases", "write,read,qd1,qd32").split(","));
        Figures figures = new Figures();
        io.jxen.bench.WaitPolicy.record(out, figures); // QD1 and seq read are latency-bound
        Path dir = Files.createTempDirectory("jxen-bench-block-");
        try {
            Path image = dir.resolve("disk.img");
            try (FileChannel f = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                f.truncate(0);
                f.write(ByteBuffer.allocate(1), sizeBytes - 1);
            }
            Path cfg = dir.resolve("bench.cfg");
            Files.writeString(cfg, "name = \"bench\"\nmemory = 64\nvcpus = 2\n"
                    + "disk = [ 'format=raw, vdev=xvda, access=rw, target=disk.img' ]\n");
            out.printf("image %d MiB; warm-up rounds for %.0f s (at least %d), then %d rounds; %d random reads per round and depth%n",
                    sizeBytes >> 20, warmupSeconds, warmups, rounds, randomOps);
            // Two queues (the guest's two vCPUs, dom0's offer); 256 indirect segments (blkback's maximum here): a 1 MiB request is one blkif request.
            try (PvDisk pv = PvDisk.boot(GuestConfig.load(cfg), new PvDisk.Options(2, 256, true, Blkfront.MAX_RING_PAGE_ORDER),
                    PvDisk.Narrator.SILENT);
                 FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 ExecutorService threads = Executors.newFixedThreadPool(32)) {
                out.println(pv.negotiation().lines().reduce((a, b) -> b).orElse("").strip());
                Side guest = pvSide(pv.blkfront(), out);
                Side direct = directSide(channel, threads);
                long[] best = new long[10];
                java.util.Arrays.fill(best, Long.MAX_VALUE);
                byte[] data = new byte[MIB];
                new SplittableRandom(1).nextBytes(data);
                // Warm-up rounds come first and are not counted (as JMH's warm-up iterations),
                // for a time rather than a count: the PV path's per-request code (blkfront's
                // submit, the event-channel send, blkback's decode, the upcall) reaches C2 only
                // after some thousands of requests, and on two cores the compiler threads queue
                // behind the benchmark, so the 1 MiB figures climb for 3-5 s (a round of
                // sequential I/O is only 256 requests) while the direct side is JDK intrinsics
                // from the start (docs/BENCHMARKS.md, session 6, "The JIT's warm-up on two cores").
                long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                int warmed = 0;
                for (int round = 0; round < rounds; ) {
                    boolean warming = warmed < warmups || System.nanoTime() < warmupEnd;
                    Side[] sides = {guest, direct};
                    long[] times = new long[8];
                    for (int s = 0; s < 2; s++) {
                        Side side = sides[s];
                        times[s] = phases.contains("write") ? timeSequentialWrite(side, sizeBytes, data) : 1;
                        times[2 + s] = phases.contains("read") ? timeSequentialRead(side, sizeBytes) : 1;
                        times[4 + s] = phases.contains("qd1") ? time(() -> side.randomReads(sizeBytes, 1, randomOps / 4, 11)) : 1;
                        times[6 + s] = phases.contains("qd32") ? time(() -> side.randomReads(sizeBytes, 32, randomOps, 12)) : 1;
                    }
                    double mibPerRound = sizeBytes / (double) MIB;
                    out.printf("%s %d: PV/direct seq write %.0f/%.0f MiB/s, seq read %.0f/%.0f MiB/s, QD1 %.0f/%.0f, QD32 %.0f/%.0f IOPS%n",
                            warming ? "warm-up" : "round", warming ? ++warmed : round,
                            mibPerRound / (times[0] / 1e9), mibPerRound / (times[1] / 1e9),
                            mibPerRound / (times[2] / 1e9), mibPerRound / (times[3] / 1e9),
                            randomOps / 4 / (times[4] / 1e9), randomOps / 4 / (times[5] / 1e9),
                            randomOps / (times[6] / 1e9), randomOps / (times[7] / 1e9));
                    if (!warming) {
                        for (int i = 0; i < times.length; i++) {
                            best[i] = Math.min(best[i], times[i]);
                        }
                        round++;
                    }
                }
                double mib = sizeBytes / (double) MIB;
                double pvWrite = mib / (best[0] / 1e9);
                double directWrite = mib / (best[1] / 1e9);
                double pvRead = mib / (best[2] / 1e9);
                double directRead = mib / (best[3] / 1e9);
                double pvQd1 = randomOps / 4 / (best[4] / 1e9);
                double directQd1 = randomOps / 4 / (best[5] / 1e9);
                double pvQd32 = randomOps / (best[6] / 1e9);
                double directQd32 = randomOps / (best[7] / 1e9);
                out.printf("seq write 1 MiB + flush: PV %.0f MiB/s, direct %.0f MiB/s, ratio %.2f (target >= 0.8)%n",
                        pvWrite, directWrite, pvWrite / directWrite);
                out.printf("seq read 1 MiB:          PV %.0f MiB/s, direct %.0f MiB/s, ratio %.2f (target >= 0.8)%n",
                        pvRead, directRead, pvRead / directRead);
                out.printf("rand read 4 KiB QD1:     PV %.0f IOPS, direct %.0f IOPS, ratio %.2f%n",
                        pvQd1, directQd1, pvQd1 / directQd1);
                out.printf("rand read 4 KiB QD32:    PV %.0f IOPS, direct %.0f IOPS, ratio %.2f (target >= 0.5)%n",
                        pvQd32, directQd32, pvQd32 / directQd32);
                long polled = pv.blkfront().polledCompletions();
                long sent = pv.blkfront().queues().stream().mapToLong(Blkfront::requestsSent).sum();
                out.printf("blkfront polled completion (-D%s=%s): %d of %d requests completed by the waiting caller%n",
                        CompletionWaiter.POLL_PROPERTY, pollSetting(), polled, sent);
                return figures
                        .put("blkfront_poll", pollSetting())
                        .put("polled_completions", polled)
                        .put("requests", sent)
                        .put("size_mib", sizeBytes >> 20)
                        .put("peer", "FileChannel")
                        .put("pv_seq_write_mib_s", pvWrite)
                        .put("direct_seq_write_mib_s", directWrite)
                        .put("ratio_seq_write", pvWrite / directWrite)
                        .put("pv_seq_read_mib_s", pvRead)
                        .put("direct_seq_read_mib_s", directRead)
                        .put("ratio_seq_read", pvRead / directRead)
                        .put("pv_rand_read_qd1_iops", pvQd1)
                        .put("direct_rand_read_qd1_iops", directQd1)
                        .put("ratio_rand_read_qd1", pvQd1 / directQd1)
                        .put("pv_rand_read_qd32_iops", pvQd32)
                        .put("direct_rand_read_qd32_iops", directQd32)
                        .put("ratio_rand_read_qd32", pvQd32 / directQd32);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String pollSetting() {
        return System.getProperty(CompletionWaiter.POLL_PROPERTY, "off");
    }

    private interface Work {
        void run() throws Exception;
    }

    private static long time(Work work) throws Exception {
        long start = System.nanoTime();
        work.run();
        return System.nanoTime() - start;
    }

    private static long timeSequentialWrite(Side side, long sizeBytes, byte[] data) throws Exception {
        ByteBuffer src = side.sequentialBuffer();
        return time(() -> {
            for (long off = 0; off < sizeBytes; off += MIB) {
                src.clear();
                src.put(data).flip();
                side.write(off, src);
            }
            side.flush();
        });
    }

    private static long timeSequentialRead(Side side, long sizeBytes) throws Exception {
        ByteBuffer dst = side.sequentialBuffer();
        return time(() -> {
            for (long off = 0; off < sizeBytes; off += MIB) {
                dst.clear();
                side.read(off, dst);
            }
        });
    }

    private static Side pvSide(MultiQueueBlkfront disk, PrintStream out) throws IOException {
        // Guest memory granted once (registered buffers); plain direct buffers, copied through
        // blkfront's own pages, only if the guest has no machine-contiguous run for them.
        ByteBuffer sequential;
        ByteBuffer small;
        try {
            sequential = disk.allocateBuffer(MIB).buffer();
            small = disk.allocateBuffer(32 * SMALL).buffer();
            out.println("PV buffers: registered (guest memory granted once; no copy in blkfront)");
        } catch (IOException e) {
            out.println("PV buffers: plain direct buffers (copy path): " + e.getMessage());
            sequential = ByteBuffer.allocateDirect(MIB);
            small = ByteBuffer.allocateDirect(32 * SMALL);
        }
        ByteBuffer seq = sequential;
        ByteBuffer qd = small;
        return new Side() {
            @Override
            public ByteBuffer sequentialBuffer() {
                return seq.duplicate().clear();
            }

            @Override
            public void write(long offset, ByteBuffer src) throws Exception {
                disk.write(offset, src, false);
            }

            @Override
            public void flush() throws Exception {
                disk.flush();
            }

            @Override
            public void read(long offset, ByteBuffer dst) throws Exception {
                disk.read(offset, dst);
            }

            @Override
            public void randomReads(long sizeBytes, int depth, int count, long seed) throws Exception {
                pvRandomReads(disk, qd, sizeBytes, depth, count, seed);
            }
        };
    }

    private static Side directSide(FileChannel channel, ExecutorService threads) {
        return new Side() {
            @Override
            public ByteBuffer sequentialBuffer() {
                return ByteBuffer.allocateDirect(MIB);
            }

            @Override
            public void write(long offset, ByteBuffer src) throws Exception {
                while (src.hasRemaining()) {
                    channel.write(src, offset + src.position());
                }
            }

            @Override
            public void flush() throws Exception {
                channel.force(false);
            }

            @Override
            public void read(long offset, ByteBuffer dst) throws Exception {
                while (dst.hasRemaining()) {
                    if (channel.read(dst, offset + dst.position()) < 0) {
                        throw new IOException("end of file at " + offset);
                    }
                }
            }

            @Override
            public void randomReads(long sizeBytes, int depth, int count, long seed) throws Exception {
                directRandomReads(channel, threads, sizeBytes, depth, count, seed);
            }
        };
    }

    /**
     * The PV side's random 4 KiB reads (also {@link BlockQd32Bench}'s): at most {@code depth} in
     * flight, each in its own slice of {@code buffers} (registered: depth * 4 KiB), a slice back
     * with each completion.
     */
    static void pvRandomReads(MultiQueueBlkfront disk, ByteBuffer slices, long sizeBytes, int depth, int count,
                              long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        ArrayBlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(depth);
        for (int i = 0; i < depth; i++) {
            buffers.add(slices.slice(i * SMALL, SMALL));
        }
        Semaphore done = new Semaphore(0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long blocks = sizeBytes / SMALL;
        for (int i = 0; i < count; i++) {
            // At most depth in flight: a free buffer comes back with a completion, which this
            // thread takes off the rings itself while the poll window lasts.
            ByteBuffer buffer = disk.await(buffers::poll, buffers::take);
            buffer.clear();
            CompletableFuture<Void> read = disk.submitRead(random.nextLong(blocks) * SMALL, buffer);
            read.whenComplete((v, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
                buffers.add(buffer);
                done.release();
            });
        }
        done.acquire(count);
        if (failure.get() != null) {
            throw new IOException("a PV read failed", failure.get());
        }
    }

    /** The direct side's random 4 KiB reads: {@code depth} threads, one read in flight each (queue depth as the kernel sees it). */
    static void directRandomReads(FileChannel channel, ExecutorService threads, long sizeBytes, int depth, int count,
                                  long seed) throws Exception {
        long blocks = sizeBytes / SMALL;
        java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
        for (int t = 0; t < depth; t++) {
            int share = count / depth + (t < count % depth ? 1 : 0);
            long threadSeed = seed * 31 + t;
            all.add(threads.submit(() -> {
                SplittableRandom random = new SplittableRandom(threadSeed);
                ByteBuffer buffer = ByteBuffer.allocateDirect(SMALL);
                for (int i = 0; i < share; i++) {
                    buffer.clear();
                    channel.read(buffer, random.nextLong(blocks) * SMALL);
                }
                return null;
            }));
        }
        for (var f : all) {
            f.get();
        }
    }
}
