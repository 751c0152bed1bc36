package io.jxen.xenstore.server;

import io.jxen.xenstore.client.XenstoreClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line entry, run as its own JVM the way the CLI will start it. */
class XenstoredMainTest {

    @Test
    void servesTheGivenSocketAndRemovesItOnSigterm(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("socket");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                XenstoredMain.class.getName(), "--socket", sock.toString())).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(first).isEqualTo("xenstored: listening on " + sock);
            try (XenstoreClient xs = XenstoreClient.connect(sock)) {
                xs.write("/main", "ok");
                assertThat(xs.read("/main")).isEqualTo("ok");
            }
            // SIGTERM through its handle: Process.destroy() would also close our end of its output.
            CompletableFuture<String> last = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    String previous = null;
                    while ((line = out.readLine()) != null) {
                        previous = line;
                    }
                    return previous;
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            assertThat(p.toHandle().destroy()).isTrue();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.exists(sock)).isFalse();
            // Its last word says what busy polling did (benchmarks read it).
            assertThat(last.get(30, TimeUnit.SECONDS)).matches("xenstored: busy polling max_us=50 windows=[0-9]+ gate_closed=[0-9]+ served_turns=[0-9]+");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void parsesCXenstoredQuotaOptionsAndTheSocketDefaults() {
        XenstoredMain.Options o = XenstoredMain.parse(new String[] {"-E", "50", "--watch-nb", "7", "-Q",
                "transaction-nodes=9", "-S", "100", "-t", "2", "-A", "3", "-M", "64", "--quota", "outstanding=4",
                "-Q", "memory=300000", "-q", "memory=200000", "-w", "watch-event=5"},
                java.util.Map.of("XENSTORED_RUNDIR", "/run/x"));
        assertThat(o.socket()).isEqualTo(Path.of("/run/x/socket"));
        assertThat(o.quotas()).isEqualTo(new io.jxen.xenstore.store.Quotas(50, 7, 2, 4, 9, 300000, 100, 64, 3, 200000,
                5000));
        // Xen 4.17's defaults: 2.5 MB hard, 2 MB soft, 20 outstanding, 20 s watch-event timeout;
        // 0 disables memory and the timeout, as in C.
        assertThat(XenstoredMain.parse(new String[0], java.util.Map.of()).quotas())
                .isEqualTo(new io.jxen.xenstore.store.Quotas(1000, 128, 10, 20, 1024, 2621440, 2048, 2048, 5, 2097152,
                        20_000));
        XenstoredMain.Options off = XenstoredMain.parse(new String[] {"--quota", "memory=0", "--timeout",
            "watch-event=0", "--quota-soft", "memory=0"}, java.util.Map.of());
        assertThat(off.quotas().memory()).isZero();
        assertThat(off.quotas().memorySoft()).isZero();
        assertThat(off.quotas().watchEventTimeoutMs()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> XenstoredMain.parse(new String[] {"-q", "nodes=1"}, java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> XenstoredMain.parse(new String[] {"-w", "watch=1"}, java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(o.journal()).isNull();
        XenstoredMain.Options j = XenstoredMain.parse(new String[] {"--journal", "/var/lib/jx", "--journal-compact",
            "65536"}, java.util.Map.of());
        assertThat(j.journal()).isEqualTo(Path.of("/var/lib/jx"));
        assertThat(j.journalCompact()).isEqualTo(65536);
        assertThat(XenstoredMain.parse(new String[0], java.util.Map.of("XENSTORED_PATH", "/p", "XENSTORED_RUNDIR", "/r"))
                .socket()).isEqualTo(Path.of("/p"));
        assertThat(XenstoredMain.parse(new String[0], java.util.Map.of()).socket())
                .isEqualTo(XenstoredMain.DEFAULT_SOCKET);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> XenstoredMain.parse(new String[] {"-Q", "bogus=1"}, java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> XenstoredMain.parse(new String[] {"--frobnicate"}, java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(XenstoredMain.parse(new String[0], java.util.Map.of()).busyPollMicros())
                .isEqualTo(XenstoredServer.DEFAULT_BUSY_POLL_MICROS).isPositive();
        assertThat(XenstoredMain.parse(new String[] {"--busy-poll", "0"}, java.util.Map.of()).busyPollMicros()).isZero();
        assertThat(XenstoredMain.parse(new String[] {"--busy-poll", "30"}, java.util.Map.of()).busyPollMicros())
                .isEqualTo(30);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> XenstoredMain.parse(new String[] {"--busy-poll", "-1"}, java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
