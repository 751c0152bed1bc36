package io.jxen.cli;

import io.jxen.host.Host;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jxen run} in a process of its own, stopped as a user stops it (SIGTERM, as Ctrl-C's
 * SIGINT): the host stops as when its last guest goes, and leaves no memory file behind.
 * {@link Timeout} only guards against a hang.
 */
class RunSignalTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aSignalStopsTheHostAndItLeavesNoMemoryFile() throws Exception {
        Path cfg = TinyGuest.write(dir);
        Path hostDir = dir.resolve("host");
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                JxenCommand.class.getName(), "run", cfg.toString(), "--dir", hostDir.toString());
        Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(run.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                if (line.contains("jxen console tiny")) {
                    break; // the guest runs
                }
            }
            assertThat(output.toString()).contains("jxen console tiny");
            assertThat(hostDir.resolve(Host.MEMORY_FILE)).exists();
            run.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
            }
        }
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).as(output.toString()).isTrue();
        assertThat(output.toString()).contains("stopping the host (signal)");
        assertThat(hostDir.resolve(Host.MEMORY_FILE)).as(output.toString()).doesNotExist();
        assertThat(hostDir.resolve(Host.CONTROL_SOCKET)).as(output.toString()).doesNotExist();
    }
}
