package io.jxen.bench.xenstore;

import io.jxen.abi.xs.XsMessageTypes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One xenstored under measurement, each in its own process so all three are measured the
 * same way: jxen's ({@code XenstoredMain} in a fresh JVM), Xen 4.17's C xenstored and
 * oxenstored (through the reference scripts' {@code run.sh}/{@code stop.sh}).
 */
final class Daemon implements AutoCloseable {

    final String name;
    final Path socket;
    final long pid;
    private final Process process;
    private final List<String> stop;
    /** A jxen daemon's output (null for the reference daemons). */
    private Path log;
    /** A jxen daemon's busy-polling summary, printed by it when it stops (see {@link #busyPolling()}). */
    private String busyPolling;

    private Daemon(String name, Path socket, long pid, Process process, List<String> stop) {
        this.name = name;
        this.socket = socket;
        this.pid = pid;
        this.process = process;
        this.stop = stop;
    }

    /** jxen's xenstored in a child JVM started from this benchmark's own class path. */
    static Daemon jxen(Path dir) throws IOException, InterruptedException {
        return jxen("jxen", System.getProperty("java.class.path"), dir);
    }

    /**
     * jxen's xenstored from another build (a before/after comparison in one run).
     *
     * @param name      the name in the table
     * @param classPath that build's jars
     * @param dir       its run directory
     */
    static Daemon jxen(String name, String classPath, Path dir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path socket = dir.resolve("socket");
        // setsid as run.sh does for the reference daemons: every daemon in its own session,
        // hence its own scheduler autogroup, so none shares CPU accounting with the clients.
        List<String> jvm = new ArrayList<>(List.of("setsid", java, "--enable-native-access=ALL-UNNAMED"));
        List<String> daemon = new ArrayList<>(List.of("io.jxen.xenstore.server.XenstoredMain", "--socket", socket.toString()));
        // Options for this build's daemon (e.g. --busy-poll 50) or the baseline's: words starting
        // with -D or -X go to its JVM (e.g. -Djxen.spareCore=never), the others to XenstoredMain.
        String extra = System.getenv(optionsVariable(name));
        if (extra != null && !extra.isBlank()) {
            for (String word : extra.trim().split("\\s+")) {
                (word.startsWith("-D") || word.startsWith("-X") ? jvm : daemon).add(word);
            }
        }
        List<String> command = new ArrayList<>(jvm);
        command.addAll(List.of("-cp", classPath));
        command.addAll(daemon);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("jxen.log").toFile()).start();
        Daemon d = new Daemon(name, socket, p.pid(), p, null);
        d.log = dir.resolve("jxen.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException(name + " xenstored exited: " + Files.readString(dir.resolve("jxen.log")));
            }
            try (RawXs probe = new RawXs(socket)) {
                probe.request(XsMessageTypes.DIRECTORY, "/");
                return d;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    d.close();
                    throw new IOException("jxen xenstored did not answer on " + socket, e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The environment variable with the options of the jxen daemon of this name. */
    static String optionsVariable(String name) {
        return name.equals("jxen") ? "JXEN_BENCH_XENSTORED_ARGS" : "JXEN_BENCH_XENSTORED_BASELINE_ARGS";
    }

    /**
     * A reference daemon through the reference scripts.
     *
     * @param ref  the reference-xenstored folder
     * @param kind {@code c} or {@code o}
     * @param dir  its run directory
     */
    static Daemon reference(Path ref, String kind, Path dir) throws IOException, InterruptedException {
        String out = XenstoreBench.run(List.of("bash", ref.resolve("run.sh").toString(), kind, dir.toString()), Map.of());
        long pid = Long.parseLong(out.strip().lines().reduce((a, b) -> b).orElseThrow().strip());
        return new Daemon(kind.equals("c") ? "C" : "oxenstored", dir.resolve("socket"), pid, null,
                List.of("bash", ref.resolve("stop.sh").toString(), dir.toString()));
    }

    /**
     * What a stopped jxen daemon's busy polling did ({@code max_us=M windows=W gate_closed=G
     * served_turns=T}), or null (a reference daemon, or a build that does not say).
     */
    String busyPolling() {
        return busyPolling;
    }

    /** Whether this is a jxen daemon (a JVM, which wants its JIT warmed up). */
    boolean jvm() {
        return process != null;
    }

    /** CPU time the daemon has used so far, every thread (/proc/PID/task/N/schedstat, ns). */
    long cpuNanos() throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String s = Files.readString(t.resolve("schedstat"), StandardCharsets.US_ASCII);
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // a thread that just ended
                }
            }
        }
        return sum;
    }

    /**
     * Waits (at most 5 s) until the daemon's CPU time stops moving: its JIT has compiled what
     * the warm-up made hot, or it has handled a burst of disconnects.
     */
    void awaitQuiet() throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long before = cpuNanos();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = cpuNanos();
            if (now - before < 1_000_000) {
                return;
            }
            before = now;
        }
    }

    /** Resident memory of the daemon process in KiB (VmRSS). */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        try {
            if (stop != null) {
                XenstoreBench.run(new ArrayList<>(stop), Map.of());
            } else {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                } else if (log != null && Files.exists(log)) {
                    // XenstoredMain's last line on SIGTERM: "xenstored: busy polling max_us=..."
                    for (String line : Files.readAllLines(log)) {
                        if (line.startsWith("xenstored: busy polling ")) {
                            busyPolling = line.substring("xenstored: busy polling ".length()).strip();
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
