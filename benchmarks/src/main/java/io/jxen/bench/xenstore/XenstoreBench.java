package io.jxen.bench.xenstore;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./jxen bench xenstore}: jxen's xenstored against Xen 4.17's C xenstored and
 * oxenstored (the reference daemons of {@code ../shared/reference-xenstored}), each in its
 * own process and driven by the same libxenstore client, {@code xsbench}, with 1 and 4 client
 * processes: write, read, transaction and directory operations per second, the daemon's CPU
 * time per request, and the ratios jxen/C and jxen/oxenstored. The machine is shared, so the
 * daemons take turns (the order rotates every round) and each figure is the median of the
 * rounds. Then the round-trip latency with and without 512 idle connections for all three,
 * and jxen's store at scale ({@link StoreScale}).
 */
public final class XenstoreBench implements Bench {

    private static final List<String> OPS = List.of("write", "read", "tx", "dir");
    /** Requests per xsbench iteration and client: write, read, 3 for a transaction, directory. */
    private static final int REQUESTS_PER_ITERATION = 6;

    /** Where the reference daemon's scripts are; {@code JXEN_REFERENCE_XENSTORED} overrides. */
    static Path referenceDir() {
        String env = System.getenv("JXEN_REFERENCE_XENSTORED");
        if (env != null) {
            return Path.of(env);
        }
        for (Path candidate = Path.of("").toAbsolutePath(); candidate != null; candidate = candidate.getParent()) {
            Path dir = candidate.resolve("shared/reference-xenstored");
            if (Files.isRegularFile(dir.resolve("run.sh"))) {
                return dir;
            }
            Path beside = candidate.resolveSibling("shared").resolve("reference-xenstored");
            if (Files.isRegularFile(beside.resolve("run.sh"))) {
                return beside;
            }
        }
        throw new IllegalStateException("reference xenstored scripts not found; set JXEN_REFERENCE_XENSTORED");
    }

    @Override
    public String name() {
        return "xenstore";
    }

    @Override
    public String description() {
        return "xsbench (libxenstore) against jxen's xenstored, Xen 4.17's C xenstored and oxenstored, 1 and 4"
                + " clients; latency with 512 idle connections; jxen's store with 1M nodes and 10k watches";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        Path ref = referenceDir();
        Map<String, String> setup = keyValues(run(List.of("bash", ref.resolve("setup.sh").toString()), Map.of()));
        String xsbench = setup.get("REFXS_XSBENCH");
        if (xsbench == null) {
            throw new IllegalStateException("setup.sh did not name REFXS_XSBENCH");
        }
        int n = quick ? 2_000 : 10_000;
        int rounds = quick ? 3 : 5;
        int latencySamples = quick ? 1_000 : 10_000;
        int latencyRounds = quick ? 3 : 5;
        Path dir = Files.createTempDirectory("jxen-bench-xs-");
        Figures figures = new Figures().put("ops_per_phase", n).put("rounds", rounds)
                .put("peers", "c-xenstored-4.17,oxenstored-4.17");
        List<Daemon> daemons = new ArrayList<>();
        try {
            daemons.add(Daemon.jxen(Files.createDirectories(dir.resolve("j"))));
            String args = System.getenv("JXEN_BENCH_XENSTORED_ARGS");
            if (args != null && !args.isBlank()) {
                out.println("jxen daemon options (JXEN_BENCH_XENSTORED_ARGS): " + args.trim());
                figures.put("jxen_args", args.trim().replaceAll("[\\s=]+", "_"));
            }
            daemons.add(Daemon.reference(ref, "c", Files.createDirectories(dir.resolve("c"))));
            daemons.add(Daemon.reference(ref, "o", Files.createDirectories(dir.resolve("o"))));
            String baseline = System.getenv("JXEN_BENCH_XENSTORED_BASELINE_CP");
            if (baseline != null) {
                // Another build of jxen (e.g. before a change), measured in the same run.
                daemons.add(Daemon.jxen("baseline", baseline, Files.createDirectories(dir.resolve("b"))));
                String baselineArgs = System.getenv("JXEN_BENCH_XENSTORED_BASELINE_ARGS");
                if (baselineArgs != null && !baselineArgs.isBlank()) {
                    out.println("baseline daemon options (JXEN_BENCH_XENSTORED_BASELINE_ARGS): " + baselineArgs.trim());
                    figures.put("baseline_args", baselineArgs.trim().replaceAll("[\\s=]+", "_"));
                }
            }
            // Every daemon gets one unmeasured pass; a JVM gets more (at least 20,000 iterations
            // per client) and time to finish compiling, so its JIT is not what gets measured.
            for (Daemon d : daemons) {
                if (d.jvm()) {
                    xsbench(xsbench, d, Math.max(n, 5_000), 4);
                    IdleLatency.measure(d, latencySamples);
                }
                xsbench(xsbench, d, Math.max(n, 5_000), 4);
            }
            for (Daemon d : daemons) {
                d.awaitQuiet();
            }
            for (int clients : new int[] {1, 4}) {
                throughput(xsbench, daemons, n, clients, rounds, out, figures);
            }
            latency(daemons, latencySamples, latencyRounds, out, figures);
        } finally {
            for (Daemon d : daemons) {
                d.close();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        for (Daemon d : daemons) {
            if (d.busyPolling() != null) {
                // Whether the loop polled (windows) or the spare-core gate kept it blocking
                // (gate_closed), over the whole run: tells a quiet machine's run from a busy one's.
                out.println("busy polling of " + d.name + " over the run: " + d.busyPolling());
                for (String kv : d.busyPolling().split(" ")) {
                    String[] f = kv.split("=", 2);
                    if (f.length == 2 && f[1].matches("[0-9]+")) {
                        figures.put("busy_poll_" + f[0] + "_" + d.name, Long.parseLong(f[1]));
                    }
                }
            }
        }
        StoreScale.run(quick, out, figures);
        return figures;
    }

    /** {@code rounds} rounds of xsbench on every daemon, the order rotating; medians. */
    private static void throughput(String xsbench, List<Daemon> daemons, int n, int clients, int rounds,
                                   PrintStream out, Figures figures) throws IOException, InterruptedException {
        Map<String, List<Double>> samples = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < daemons.size(); k++) {
                Daemon d = daemons.get((r + k) % daemons.size());
                long cpu0 = d.cpuNanos();
                Map<String, String> result = xsbench(xsbench, d, n, clients);
                double cpuUs = (d.cpuNanos() - cpu0) / 1e3 / ((double) n * clients * REQUESTS_PER_ITERATION);
                for (String op : OPS) {
                    samples.computeIfAbsent(d.name + op, x -> new ArrayList<>())
                            .add(Double.parseDouble(result.get(op + "_ops_s")));
                }
                samples.computeIfAbsent(d.name + "cpu", x -> new ArrayList<>()).add(cpuUs);
                samples.computeIfAbsent(d.name + "retries", x -> new ArrayList<>())
                        .add(Double.parseDouble(result.get("tx_retries")));
            }
        }
        String c = "_c" + clients;
        out.printf("%d client%s, xsbench N=%d, median of %d rounds (ops/s):%n", clients, clients == 1 ? "" : "s", n, rounds);
        for (String op : OPS) {
            double j = median(samples.get("jxen" + op));
            double cc = median(samples.get("C" + op));
            double o = median(samples.get("oxenstored" + op));
            out.printf(Locale.ROOT, "  %-5s jxen %8.0f   C %8.0f   oxenstored %8.0f   jxen/C %5.2f   jxen/oxenstored %5.2f%n",
                    op, j, cc, o, j / cc, j / o);
            figures.put(op + c + "_jxen_ops_s", (long) j).put(op + c + "_c_ops_s", (long) cc)
                    .put(op + c + "_o_ops_s", (long) o).put(op + c + "_ratio_c", j / cc).put(op + c + "_ratio_o", j / o);
        }
        if (samples.containsKey("baselinewrite")) {
            StringBuilder line = new StringBuilder("  baseline (JXEN_BENCH_XENSTORED_BASELINE_CP), ops/s and /C:");
            for (String op : OPS) {
                double b = median(samples.get("baseline" + op));
                line.append(String.format(Locale.ROOT, "  %s %.0f (%.2f)", op, b, b / median(samples.get("C" + op))));
                figures.put(op + c + "_baseline_ops_s", (long) b);
            }
            double bc = median(samples.get("baselinecpu"));
            out.println(line.append(String.format(Locale.ROOT, "  CPU %.2f us/request", bc)));
            figures.put("cpu_us_per_request" + c + "_baseline", bc);
        }
        double jc = median(samples.get("jxencpu"));
        double cc = median(samples.get("Ccpu"));
        double oc = median(samples.get("oxenstoredcpu"));
        out.printf(Locale.ROOT, "  daemon CPU per request: jxen %.2f us   C %.2f us   oxenstored %.2f us%n", jc, cc, oc);
        figures.put("cpu_us_per_request" + c + "_jxen", jc).put("cpu_us_per_request" + c + "_c", cc)
                .put("cpu_us_per_request" + c + "_o", oc)
                .put("tx_retries" + c + "_jxen", (long) median(samples.get("jxenretries")))
                .put("tx_retries" + c + "_c", (long) median(samples.get("Cretries")))
                .put("tx_retries" + c + "_o", (long) median(samples.get("oxenstoredretries")));
    }

    private static void latency(List<Daemon> daemons, int samples, int rounds, PrintStream out, Figures figures)
            throws IOException {
        Map<String, List<Double>> without = new HashMap<>();
        Map<String, List<Double>> with = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < daemons.size(); k++) {
                Daemon d = daemons.get((r + k) % daemons.size());
                long[] ns = IdleLatency.measure(d, samples);
                without.computeIfAbsent(d.name, x -> new ArrayList<>()).add((double) ns[0]);
                with.computeIfAbsent(d.name, x -> new ArrayList<>()).add((double) ns[1]);
            }
        }
        out.printf("XS_READ round trip p50, without and with %d idle connections (%d samples, median of %d):%n",
                IdleLatency.IDLE, samples, rounds);
        for (Daemon d : daemons) {
            double a = median(without.get(d.name));
            double b = median(with.get(d.name));
            out.printf(Locale.ROOT, "  %-10s %7.1f us   %7.1f us   %5.2fx%n", d.name, a / 1e3, b / 1e3, b / a);
            String key = switch (d.name) {
                case "C" -> "c";
                case "oxenstored" -> "o";
                default -> d.name;
            };
            figures.put("latency_ns_p50_" + key, (long) a).put("latency_ns_p50_idle512_" + key, (long) b)
                    .put("latency_idle512_ratio_" + key, b / a);
        }
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Map<String, String> xsbench(String xsbench, Daemon d, int n, int clients)
            throws IOException, InterruptedException {
        String output = run(List.of(xsbench, Integer.toString(n), Integer.toString(clients)),
                Map.of("XENSTORED_PATH", d.socket.toString()));
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        return keyValues(last.replace(' ', '\n'));
    }

    private static Map<String, String> keyValues(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        text.lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replace("'", ""));
            }
        });
        return values;
    }

    static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(600, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
