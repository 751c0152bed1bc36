package io.jxen.bench.nbd;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.host.PvDisk;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.nbd.NbdServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./jxen bench nbd}: jxen's NBD export against nbdkit's file plugin (the peer), both
 * serving the same raw image on loopback, measured with the same client, {@code nbdcopy},
 * reading the whole image out and writing a whole image in. Each direction runs several
 * times, alternating servers, and the best run of each counts. A third server exports the same
 * image through the whole PV path ({@link PvDisk}: NBD, blkfront in a booted guest, the ring,
 * dom0's blkback, the file), measured with the same copies: its device has the block bench's
 * options (2 queues, 256 indirect segments, 16-page rings) and its server's payload buffers are
 * the guest disk's registered buffers ({@link PvDisk#payloadBuffers()}; the same device as
 * {@code jxen nbd --guest CONFIG --queues 2 --indirect 256 --ring-page-order 4}), so blkfront copies no
 * request data; what does not fit their budget goes through blkfront's copy path.
 */
public final class NbdCopyBench implements Bench {

    @Override
    public String name() {
        return "nbd";
    }

    @Override
    public String description() {
        return "nbdcopy read and write through jxen's NBD export vs nbdkit's file plugin on the same image";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        String nbdcopy = require("nbdcopy", "libnbd-bin");
        String nbdkit = require("nbdkit", "nbdkit");
        long sizeBytes = (quick ? 64L : 512L) << 20;
        // -Djxen.bench.nbd.rounds=N: counted rounds per direction and server (best of N each; 4 by default).
        int rounds = Integer.getInteger("jxen.bench.nbd.rounds", quick ? 2 : 4);
        // -Djxen.bench.nbd.warmupSeconds=S: uncounted rounds of jxen's servers first (20 s by default).
        double warmupSeconds = Double.parseDouble(System.getProperty("jxen.bench.nbd.warmupSeconds", quick ? "2" : "20"));
        Path dir = Files.createTempDirectory("jxen-bench-nbd-");
        try {
            Path image = dir.resolve("disk.img");
            Path source = dir.resolve("source.img");
            fillRandom(image, sizeBytes, 1);
            fillRandom(source, sizeBytes, 2);
            out.printf("image %d MiB of random data, %d rounds per direction%n", sizeBytes >> 20, rounds);
            long jxenRead = Long.MAX_VALUE;
            long jxenWrite = Long.MAX_VALUE;
            long kitRead = Long.MAX_VALUE;
            long kitWrite = Long.MAX_VALUE;
            long pvRead = Long.MAX_VALUE;
            long pvWrite = Long.MAX_VALUE;
            // CPU time the server side spent per read copy: this JVM for the PV path (guest,
            // dom0 and NBD server, background agents included), nbdkit's process for the peer.
            long pvReadCpu = 0;
            long kitReadCpu = 0;
            int pvReadCopies = 0;
            double pvReadPairedMedian = 0;
            Path cfg = dir.resolve("guest.cfg");
            Files.writeString(cfg, "name = \"nbd\"\nmemory = " + Integer.getInteger("jxen.bench.nbd.guestMiB", 64) + "\nvcpus = 2\n"
                    + "disk = [ 'format=raw, vdev=xvda, access=rw, target=disk.img' ]\n");
            try (FileEngine engine = FileEngine.open(image, FileEngine.Options.async());
                 NbdServer jxen = NbdServer.start(engine, 0, "disk", NbdServer.Options.defaults());
                 // The block bench's device (2 queues, 256 indirect segments, 16-page rings) and the
                 // disk's registered buffers as the server's payload buffers (no copy in blkfront).
                 PvDisk pv = PvDisk.boot(GuestConfig.load(cfg),
                         new PvDisk.Options(2, 256, true, Blkfront.MAX_RING_PAGE_ORDER), PvDisk.Narrator.SILENT);
                 NbdServer pvServer = NbdServer.start(pv.disk(), 0, "disk", NbdServer.Options.defaults(),
                         pv.payloadBuffers())) {
                int kitPort = freePort();
                Process kit = new ProcessBuilder(nbdkit, "--foreground", "--exit-with-parent", "-i", "127.0.0.1",
                        "-p", Integer.toString(kitPort), "--exportname", "disk", "file", "file=" + image)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    String kitUri = "nbd://127.0.0.1:" + kitPort + "/disk";
                    waitForServer(nbdcopy, kitUri);
                    // Uncounted warm-up of jxen's two servers (nbdkit is native code): C2 reaches
                    // the per-request code of the NBD server, blkfront and blkback only after some
                    // seconds on two cores (docs/BENCHMARKS.md, session 6, "The JIT's warm-up on two cores"),
                    // and a counted round moves 512 MiB in a fraction of a second.
                    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                    int warmed = 0;
                    while (warmed < 1 || System.nanoTime() < warmupEnd) {
                        copy(nbdcopy, jxen.uri(), "null:");
                        copy(nbdcopy, source.toString(), jxen.uri());
                        copy(nbdcopy, pvServer.uri(), "null:");
                        copy(nbdcopy, source.toString(), pvServer.uri());
                        warmed++;
                    }
                    out.printf("warm-up: %d round(s) of jxen's servers in %.0f s%n", warmed, warmupSeconds);
                    // -Djxen.bench.nbd.pvReadRounds=N: then N reads through the PV path alone (to profile it).
                    java.util.Map<String, Long> rolesBefore = cpuByRole();
                    int profiled = Integer.getInteger("jxen.bench.nbd.pvReadRounds", 0);
                    for (int i = profiled; i > 0; i--) {
                        long cpu = ownCpuNanos();
                        pvRead = Math.min(pvRead, copy(nbdcopy, pvServer.uri(), "null:"));
                        pvReadCpu += ownCpuNanos() - cpu;
                        pvReadCopies++;
                    }
                    if (profiled > 0) {
                        double gib = profiled * (sizeBytes / (double) (1L << 30));
                        StringBuilder line = new StringBuilder("CPU per GiB of the PV reads above, by thread role:");
                        cpuByRole().forEach((role, after) -> {
                            long spent = after - rolesBefore.getOrDefault(role, 0L);
                            if (spent / 1e6 / gib >= 1) {
                                line.append(String.format(" %s %.0f ms", role, spent / 1e6 / gib));
                            }
                        });
                        out.println(line);
                    }
                    double[] pairedPvRead = new double[rounds];
                    for (int round = 0; round < rounds; round++) {
                        jxenRead = Math.min(jxenRead, copy(nbdcopy, jxen.uri(), "null:"));
                        long cpu = cpuNanos(kit.pid());
                        long kitReadRound = copy(nbdcopy, kitUri, "null:");
                        kitRead = Math.min(kitRead, kitReadRound);
                        kitReadCpu += cpuNanos(kit.pid()) - cpu;
                        jxenWrite = Math.min(jxenWrite, copy(nbdcopy, source.toString(), jxen.uri()));
                        kitWrite = Math.min(kitWrite, copy(nbdcopy, source.toString(), kitUri));
                        cpu = ownCpuNanos();
                        long pvReadRound = copy(nbdcopy, pvServer.uri(), "null:");
                        pvRead = Math.min(pvRead, pvReadRound);
                        pvReadCpu += ownCpuNanos() - cpu;
                        pvReadCopies++;
                        pvWrite = Math.min(pvWrite, copy(nbdcopy, source.toString(), pvServer.uri()));
                        // The same round's nbdkit read against its PV read, seconds apart: the
                        // spread of these shows how much of a best-of ratio is the machine's noise.
                        pairedPvRead[round] = kitReadRound / (double) pvReadRound;
                        out.printf("round %d: read nbdkit %.0f MiB/s, PV path %.0f MiB/s (%.2f)%n", round + 1,
                                (sizeBytes >> 20) / (kitReadRound / 1e9), (sizeBytes >> 20) / (pvReadRound / 1e9),
                                pairedPvRead[round]);
                    }
                    java.util.Arrays.sort(pairedPvRead);
                    pvReadPairedMedian = pairedPvRead[rounds / 2];
                } finally {
                    kit.destroy();
                    kit.waitFor(10, TimeUnit.SECONDS);
                }
                long registered = 0;
                long sent = 0;
                for (Blkfront q : pv.blkfront().queues()) {
                    registered += q.registeredTransfers();
                    sent += q.requestsSent();
                }
                out.printf("PV path: %d blkif requests, %d of them from registered buffers (no copy in blkfront), "
                        + "%d completed by the waiting request thread (polled)%n", sent, registered,
                        pv.blkfront().polledCompletions());
            }
            double mib = sizeBytes / (double) (1 << 20);
            double jxenReadMibS = mib / (jxenRead / 1e9);
            double kitReadMibS = mib / (kitRead / 1e9);
            double jxenWriteMibS = mib / (jxenWrite / 1e9);
            double kitWriteMibS = mib / (kitWrite / 1e9);
            out.printf("read  (nbdcopy server -> null): jxen %.0f MiB/s, nbdkit %.0f MiB/s, ratio %.2f%n",
                    jxenReadMibS, kitReadMibS, jxenReadMibS / kitReadMibS);
            out.printf("write (nbdcopy file -> server): jxen %.0f MiB/s, nbdkit %.0f MiB/s, ratio %.2f%n",
                    jxenWriteMibS, kitWriteMibS, jxenWriteMibS / kitWriteMibS);
            double pvReadMibS = mib / (pvRead / 1e9);
            double pvWriteMibS = mib / (pvWrite / 1e9);
            out.printf("through the PV path (NBD -> blkfront -> ring -> blkback -> file): read %.0f MiB/s (ratio %.2f"
                    + " vs nbdkit), write %.0f MiB/s (ratio %.2f)%n", pvReadMibS, pvReadMibS / kitReadMibS,
                    pvWriteMibS, pvWriteMibS / kitWriteMibS);
            double gib = sizeBytes / (double) (1L << 30);
            double pvCpuMsPerGib = pvReadCpu / 1e6 / pvReadCopies / gib;
            double kitCpuMsPerGib = kitReadCpu / 1e6 / rounds / gib;
            out.printf("server CPU per GiB read: PV path %.0f ms (this JVM), nbdkit %.0f ms, ratio %.2f%n",
                    pvCpuMsPerGib, kitCpuMsPerGib, kitCpuMsPerGib / pvCpuMsPerGib);
            return new Figures()
                    .put("size_mib", sizeBytes >> 20)
                    .put("peer", "nbdkit-file")
                    .put("jxen_read_mib_s", jxenReadMibS)
                    .put("peer_read_mib_s", kitReadMibS)
                    .put("ratio_read", jxenReadMibS / kitReadMibS)
                    .put("jxen_write_mib_s", jxenWriteMibS)
                    .put("peer_write_mib_s", kitWriteMibS)
                    .put("ratio_write", jxenWriteMibS / kitWriteMibS)
                    .put("pv_read_mib_s", pvReadMibS)
                    .put("ratio_pv_read", pvReadMibS / kitReadMibS)
                    .put("pv_write_mib_s", pvWriteMibS)
                    .put("ratio_pv_write", pvWriteMibS / kitWriteMibS)
                    .put("pv_read_paired_median", pvReadPairedMedian)
                    .put("pv_read_cpu_ms_per_gib", pvCpuMsPerGib)
                    .put("peer_read_cpu_ms_per_gib", kitCpuMsPerGib);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
                for (Path p : all) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * CPU time of this JVM's threads so far, by role (the thread name's prefix up to its first
     * digit or dot: {@code blkback}, {@code nbd-request-}, {@code guest-d}...): which side of the PV
     * path a change moved, steadier than the process total on a machine whose other tenants come
     * and go. Threads that ended meanwhile are not counted.
     */
    static java.util.Map<String, Long> cpuByRole() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> byRole = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long cpu = mx.getThreadCpuTime(t.threadId());
            if (cpu > 0) {
                byRole.merge(role(t.getName()), cpu, Long::sum);
            }
        }
        return byRole;
    }

    static String role(String threadName) {
        int end = 0;
        while (end < threadName.length() && !Character.isDigit(threadName.charAt(end)) && threadName.charAt(end) != '.') {
            end++;
        }
        return end == 0 ? "other" : threadName.substring(0, end);
    }

    /** CPU time of this JVM so far (every thread: guest, dom0, NBD server). */
    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time (user + system) of process {@code pid} so far, from /proc/PID/stat; 0 if gone. */
    static long cpuNanos(long pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
        // Fields after the command name (which may hold spaces) start after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
    }

    /** USER_HZ: /proc reports times in these ticks; 100 on every Linux architecture jxen runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    /** Runs one nbdcopy and returns its wall time in nanoseconds. */
    private static long copy(String nbdcopy, String from, String to) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(nbdcopy, "--flush", from, to).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("nbdcopy " + from + " " + to + " failed: " + output);
        }
        return System.nanoTime() - start;
    }

    private static void waitForServer(String nbdcopy, String uri) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            Process p = new ProcessBuilder(nbdcopy.replace("nbdcopy", "nbdinfo"), "--size", uri)
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
            last = new IOException("nbdkit did not come up at " + uri);
            Thread.sleep(50);
        }
        throw last;
    }

    private static void fillRandom(Path file, long sizeBytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0; written < sizeBytes; written += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(tool + " is needed for this benchmark: apt-get install " + debianPackage);
    }
}
