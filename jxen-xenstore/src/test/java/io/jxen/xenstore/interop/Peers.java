package io.jxen.xenstore.interop;

import io.jxen.sim.ExternalPeers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starting external clients (xenstore-utils, pyxs) against a socket, with bounded waits. */
final class Peers {

    static final long TIMEOUT_SECONDS = 30;

    private Peers() {
    }

    static void requireXenstoreUtils() {
        for (String tool : List.of("xenstore-write", "xenstore-read", "xenstore-ls", "xenstore-list",
                "xenstore-rm", "xenstore-chmod", "xenstore-exists", "xenstore-watch")) {
            ExternalPeers.requireExecutable(tool, "apt-get install xenstore-utils");
        }
        ExternalPeers.requireExecutable("bash", "apt-get install bash");
    }

    static Path requirePyxs() throws IOException, InterruptedException {
        Path python = ExternalPeers.requireExecutable("/usr/bin/python3", "apt-get install python3");
        Process p = new ProcessBuilder(python.toString(), "-c", "import pyxs").redirectErrorStream(true).start();
        boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ExternalPeers.require(done && p.exitValue() == 0, "pyxs for /usr/bin/python3 (apt-get install python3-pyxs)");
        return python;
    }

    /** Copies a test resource to a file. */
    static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = Peers.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            Path f = dir.resolve(name);
            Files.write(f, in.readAllBytes());
            return f;
        }
    }

    static String resourceText(String name) throws IOException {
        try (InputStream in = Peers.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Runs a command with XENSTORED_PATH set; stdout+stderr, killed after the timeout. */
    static String run(Path socket, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("XENSTORED_PATH", socket.toString());
        env.remove("XENSTORED_RUNDIR");
        Process p = pb.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            Thread killer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            });
            out = in.readAllBytes();
            killer.join();
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(command + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + "):\n"
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
