package io.jxen.xenstore.interop;

import io.jxen.sim.ExternalPeers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The reference C xenstored 4.17 of {@code shared/reference-xenstored}, started standalone
 * with its run.sh on a temporary rundir and stopped with stop.sh. The folder is found through
 * {@code JXEN_REFERENCE_XENSTORED}, else {@code /work/shared/reference-xenstored}. When it is
 * missing or cannot be set up, ExternalPeers skips (locally) or fails (CI).
 */
final class ReferenceXenstored implements AutoCloseable {

    private final Path scripts;
    private final Path rundir;

    private ReferenceXenstored(Path scripts, Path rundir) {
        this.scripts = scripts;
        this.rundir = rundir;
    }

    static Path scripts() {
        String env = System.getenv("JXEN_REFERENCE_XENSTORED");
        return Path.of(env != null ? env : "/work/shared/reference-xenstored");
    }

    /** Starts a C xenstored in {@code rundir} (a short path: sockets are limited to 107 bytes). */
    static ReferenceXenstored startC(Path rundir) throws IOException, InterruptedException {
        return startC(rundir, java.util.Map.of());
    }

    /**
     * Starts a C xenstored with extra environment, e.g. {@code XENSHIM_DOMAINS=0-20} so the
     * shim's fake hypervisor reports those domains as existing.
     */
    static ReferenceXenstored startC(Path rundir, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        return startC(rundir, env, java.util.List.of());
    }

    /**
     * Starts a C xenstored with extra environment and daemon arguments (e.g. {@code -Q
     * memory=6000}).
     */
    static ReferenceXenstored startC(Path rundir, java.util.Map<String, String> env, java.util.List<String> args)
            throws IOException, InterruptedException {
        Path scripts = scripts();
        ExternalPeers.require(Files.isExecutable(scripts.resolve("run.sh")),
                "reference xenstored scripts at " + scripts + " (set JXEN_REFERENCE_XENSTORED)");
        Peers.requireXenstoreUtils();
        Path log = rundir.resolve("run.log");
        java.util.List<String> command = new java.util.ArrayList<>(
                java.util.List.of(scripts.resolve("run.sh").toString(), "c", rundir.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        boolean ok = done && p.exitValue() == 0 && out.matches("\\d+");
        ExternalPeers.require(ok, "reference C xenstored (run.sh c failed: " + Files.readString(log)
                + "; it needs setup.sh: apt packages xenstore-utils libxen-dev gcc and the xen-utils-4.17 .debs)");
        return new ReferenceXenstored(scripts, rundir);
    }

    Path socket() {
        return rundir.resolve("socket");
    }

    @Override
    public void close() throws IOException {
        Process p = new ProcessBuilder(scripts.resolve("stop.sh").toString(), rundir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(rundir);
    }

    /** Removes the rundir (socket, logs, ring pages) once the daemon is gone. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
