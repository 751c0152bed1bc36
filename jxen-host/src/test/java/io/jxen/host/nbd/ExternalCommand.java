package io.jxen.host.nbd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a client program with a deadline and collects its output; the process never outlives the call. */
final class ExternalCommand {

    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private ExternalCommand() {
    }

    static Result run(Path workDir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        builder.environment().put("LIBNBD_DEBUG", "0");
        Process process = builder.start();
        try {
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Result ok(Path workDir, String... command) throws IOException, InterruptedException {
        Result result = run(workDir, List.of(command));
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + result.exitCode() + "\n"
                    + result.stdout() + result.stderr());
        }
        return result;
    }

    private static String drain(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
