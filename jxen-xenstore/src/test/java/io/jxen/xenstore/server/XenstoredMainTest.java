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
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.exists(sock)).isFalse();
        } finally {
            p.destroyForcibly();
        }
    }
}
