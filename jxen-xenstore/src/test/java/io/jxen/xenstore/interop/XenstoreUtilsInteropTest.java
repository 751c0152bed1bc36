package io.jxen.xenstore.interop;

import io.jxen.xenstore.server.XenstoredServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's xenstore-utils and python3-pyxs, unchanged, against jxen's xenstored on a
 * temporary socket. Expected transcripts were recorded against the reference C xenstored.
 */
class XenstoreUtilsInteropTest {

    @TempDir
    Path dir;

    @Test
    void everyXenstoreToolWorksAsAgainstCXenstored() throws Exception {
        Peers.requireXenstoreUtils();
        Path script = Peers.resource("xenstore_utils_session.sh", dir);
        try (XenstoredServer xs = XenstoredServer.start(dir.resolve("socket"))) {
            String out = Peers.run(xs.socket(), List.of("bash", script.toString()));
            assertThat(out).isEqualTo(Peers.resourceText("xenstore_utils_session.expected"));
        }
    }

    @Test
    void pyxsTransactionsWithARealConflictAndWatches() throws Exception {
        Path python = Peers.requirePyxs();
        Path script = Peers.resource("pyxs_session.py", dir);
        try (XenstoredServer xs = XenstoredServer.start(dir.resolve("socket"))) {
            String out = Peers.run(xs.socket(), List.of(python.toString(), script.toString()));
            assertThat(out.lines().toList()).containsExactly(
                    "('list', [b'dir', b'x'])",
                    "('read', b'1')",
                    "('exists', False)",
                    "('perms', [b'n0', b'r5'])",
                    "('commit-conflict', False)",
                    "('commit', True)",
                    "('y', b'4')",
                    "('z-exists', False)",
                    "('initial', (b'/py', b'tok'))",
                    "('event', (b'/py/w', b'tok'))",
                    "('event', (b'/py/w', b'tok'))",
                    "('domain-path', b'/local/domain/3')",
                    "('introduced-0', True)",
                    "('gone', False)");
        }
    }

    @Test
    void xenstoreWatchSeesTheInitialEventAndChangesFromOtherClients() throws Exception {
        Peers.requireXenstoreUtils();
        try (XenstoredServer xs = XenstoredServer.start(dir.resolve("socket"))) {
            ProcessBuilder pb = new ProcessBuilder("xenstore-watch", "-n", "3", "/w").redirectErrorStream(true);
            pb.environment().put("XENSTORED_PATH", xs.socket().toString());
            Process watch = pb.start();
            try {
                LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
                Thread.ofPlatform().daemon().start(() -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                        String l;
                        while ((l = r.readLine()) != null) {
                            lines.add(l);
                        }
                    } catch (java.io.IOException e) {
                        // process ended
                    }
                });
                assertThat(lines.poll(Peers.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("/w");
                Peers.run(xs.socket(), List.of("xenstore-write", "/w/a", "1"));
                assertThat(lines.poll(Peers.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("/w/a");
                Peers.run(xs.socket(), List.of("xenstore-rm", "/w"));
                assertThat(lines.poll(Peers.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("/w");
                assertThat(watch.waitFor(Peers.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(watch.exitValue()).isZero();
            } finally {
                watch.destroyForcibly();
            }
        }
    }

    @Test
    void xenstoreListFallsBackToDirectoryPartOnBigDirectories() throws Exception {
        Peers.requireXenstoreUtils();
        try (XenstoredServer xs = XenstoredServer.start(dir.resolve("socket"));
             io.jxen.xenstore.client.XenstoreClient c = io.jxen.xenstore.client.XenstoreClient.connect(xs.socket())) {
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                c.mkdir("/big/node-" + i);
                expected.append("node-").append(i).append('\n');
            }
            String out = Peers.run(xs.socket(), List.of("xenstore-list", "/big"));
            assertThat(out).isEqualTo(expected.toString());
        }
    }
}
