package io.jxen.bench.xenstore;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.xenstore.server.XenstoredServer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./jxen bench xenstore}: jxen's xenstored against Xen 4.17's C xenstored (the
 * reference daemon of {@code ../shared/reference-xenstored}), both driven by the same
 * libxenstore client, {@code xsbench}, with 1 and 4 client processes: write, read,
 * transaction and directory operations per second, and the ratios jxen/C.
 */
public final class XenstoreBench implements Bench {

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
        return "xsbench (libxenstore) against jxen's xenstored and Xen 4.17's C xenstored, 1 and 4 clients";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        Path ref = referenceDir();
        Map<String, String> setup = keyValues(run(List.of("bash", ref.resolve("setup.sh").toString()), Map.of()));
        String xsbench = setup.get("REFXS_XSBENCH");
        if (xsbench == null) {
            throw new IllegalStateException("setup.sh did not name REFXS_XSBENCH");
        }
        int n = quick ? 5_000 : 20_000;
        Path dir = Files.createTempDirectory("jxen-bench-xs-");
        Figures figures = new Figures().put("ops_per_phase", n).put("peer", "c-xenstored-4.17");
        try {
            Path cDir = Files.createDirectories(dir.resolve("c"));
            Path jSocket = dir.resolve("j.sock");
            run(List.of("bash", ref.resolve("run.sh").toString(), "c", cDir.toString()), Map.of());
            try (XenstoredServer jxen = XenstoredServer.start(jSocket)) {
                // The C daemon is compiled ahead of time; give jxen's JIT one unmeasured pass.
                xsbench(xsbench, jxen.socket(), n, 4);
                for (int clients : new int[] {1, 4}) {
                    Map<String, String> j = xsbench(xsbench, jxen.socket(), n, clients);
                    Map<String, String> c = xsbench(xsbench, cDir.resolve("socket"), n, clients);
                    for (String op : List.of("write", "read", "tx", "dir")) {
                        double jOps = Double.parseDouble(j.get(op + "_ops_s"));
                        double cOps = Double.parseDouble(c.get(op + "_ops_s"));
                        out.printf("clients=%d %-5s jxen %8.0f ops/s   C %8.0f ops/s   ratio %.2f%n",
                                clients, op, jOps, cOps, jOps / cOps);
                        figures.put(op + "_c" + clients + "_jxen_ops_s", (long) jOps)
                                .put(op + "_c" + clients + "_peer_ops_s", (long) cOps)
                                .put(op + "_c" + clients + "_ratio", jOps / cOps);
                    }
                    figures.put("tx_retries_c" + clients + "_jxen", Long.parseLong(j.get("tx_retries")))
                            .put("tx_retries_c" + clients + "_peer", Long.parseLong(c.get("tx_retries")));
                }
            } finally {
                run(List.of("bash", ref.resolve("stop.sh").toString(), cDir.toString()), Map.of());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return figures;
    }

    private static Map<String, String> xsbench(String xsbench, Path socket, int n, int clients)
            throws IOException, InterruptedException {
        String output = run(List.of(xsbench, Integer.toString(n), Integer.toString(clients)),
                Map.of("XENSTORED_PATH", socket.toString()));
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

    private static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
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
