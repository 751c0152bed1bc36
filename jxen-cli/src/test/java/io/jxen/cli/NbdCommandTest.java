package io.jxen.cli;

import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class NbdCommandTest {

    /** Threads of their own: the common pool may have a single thread on a 2-core machine. */
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @Test
    void servesAnImageThatNbdinfoCanRead(@TempDir Path dir) throws Exception {
        Path nbdinfo = ExternalPeers.requireExecutable("nbdinfo", "apt-get install libnbd-bin");
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(8L << 20);
        }
        NbdCommand command = new NbdCommand();
        CompletableFuture<String> serving = new CompletableFuture<>();
        command.onServing = serving::complete;
        CommandLine line = new CommandLine(command);
        StringWriter out = new StringWriter();
        line.setOut(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> line.execute(image.toString(), "--port", "0", "--name", "demo"), THREADS);
        try {
            String uri = serving.get(30, TimeUnit.SECONDS);
            assertThat(uri).startsWith("nbd://127.0.0.1:").endsWith("/demo");
            Process info = new ProcessBuilder(nbdinfo.toString(), "--size", uri).redirectErrorStream(true).start();
            String size = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(info.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(size).isEqualTo(Long.toString(8L << 20));
        } finally {
            command.stopped.countDown();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).contains("serving").contains("8388608 bytes");
    }

    @Test
    void aMissingImageIsAClearError(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        CommandLine line = JxenCommand.newCommandLine();
        line.setErr(new PrintWriter(err, true));
        int code = line.execute("nbd", dir.resolve("nope.img").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("no such image").contains("truncate -s");
    }
}
