package io.jxen.cli;

import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jxen xenstored} serving, {@code jxen xenstore ...} and Debian's xenstore-read as clients. */
class XenstoreCommandsTest {

    /** Threads of their own: the common pool may have a single thread on a 2-core machine. */
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path dir;

    private XenstoredCommand daemon;
    private CompletableFuture<Integer> daemonExit;
    private Path socket;

    private record Run(int code, String out, String err) {
    }

    @BeforeEach
    void startDaemon() throws Exception {
        socket = dir.resolve("xs.sock");
        daemon = new XenstoredCommand();
        CompletableFuture<String> listening = new CompletableFuture<>();
        daemon.onListening = listening::complete;
        CommandLine line = new CommandLine(daemon);
        line.setOut(new PrintWriter(new StringWriter(), true));
        daemonExit = CompletableFuture.supplyAsync(
                () -> line.execute("--socket", socket.toString()), THREADS);
        assertThat(listening.get(30, TimeUnit.SECONDS)).isEqualTo(socket.toString());
    }

    @AfterEach
    void stopDaemon() throws Exception {
        daemon.stopped.countDown();
        assertThat(daemonExit.get(30, TimeUnit.SECONDS)).isZero();
    }

    private Run xenstore(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = JxenCommand.newCommandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 3];
        full[0] = "xenstore";
        full[1] = "--socket";
        full[2] = socket.toString();
        System.arraycopy(args, 0, full, 3, args.length);
        int code = line.execute(full);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writeReadLsChmodRm() {
        assertThat(xenstore("write", "/demo/a", "1", "/demo/b/c", "two").code()).isZero();
        assertThat(xenstore("read", "/demo/a", "/demo/b/c").out()).isEqualTo("1\ntwo\n");
        assertThat(xenstore("ls", "/demo").out()).isEqualTo("a = \"1\"\nb = \"\"\n c = \"two\"\n");
        assertThat(xenstore("chmod", "/demo/a", "n0", "r5").code()).isZero();
        assertThat(xenstore("ls", "-p", "/demo").out()).contains("a = \"1\"  (n0,r5)");
        assertThat(xenstore("rm", "/demo").code()).isZero();
        Run gone = xenstore("read", "/demo/a");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).contains("ENOENT");
    }

    @Test
    void existsAnswersThroughItsExitStatusOnly() {
        assertThat(xenstore("write", "/e/here", "1").code()).isZero();
        Run yes = xenstore("exists", "/e/here");
        assertThat(yes.code()).isZero();
        assertThat(yes.out()).isEmpty();
        Run no = xenstore("exists", "/e/missing");
        assertThat(no.code()).isEqualTo(1);
        assertThat(no.out()).isEmpty();
        assertThat(no.err()).isEmpty();
        assertThat(xenstore("exists", "/e/here", "/e/missing").code()).isEqualTo(1);
        assertThat(xenstore("exists", "-s", "/e").code()).isZero();
    }

    @Test
    void xenstoreUtilsFlags() {
        assertThat(xenstore("write", "/f/a/b", "tab\\there", "/f/a/c", "x").code()).isZero();
        assertThat(xenstore("read", "/f/a/b").out()).isEqualTo("tab\\there\n");
        assertThat(xenstore("read", "-R", "/f/a/b").out()).isEqualTo("tab\there");
        assertThat(xenstore("read", "-p", "/f/a/c").out()).isEqualTo("/f/a/c: x\n");
        assertThat(xenstore("write", "-R", "/f/raw", "a\\tb").code()).isZero();
        assertThat(xenstore("read", "-R", "/f/raw").out()).isEqualTo("a\\tb");
        assertThat(xenstore("list", "/f/a").out()).isEqualTo("b\nc\n");
        assertThat(xenstore("list", "-p", "/f/a").out()).isEqualTo("/f/a/b\n/f/a/c\n");
        assertThat(xenstore("ls", "-f", "/f/a").out()).isEqualTo("/f/a/b = \"tab\\there\"\n/f/a/c = \"x\"\n");
        assertThat(xenstore("chmod", "-r", "/f", "n0", "r3").code()).isZero();
        assertThat(xenstore("ls", "-p", "/f").out()).contains("b = \"tab\\there\"  (n0,r3)");
        assertThat(xenstore("chmod", "-u", "/f/a/c", "n0", "r4").code()).isZero();
        assertThat(xenstore("ls", "-p", "/f").out()).contains("a = \"\"  (n0,r4)").contains("c = \"x\"  (n0,r4)")
                .contains("b = \"tab\\there\"  (n0,r3)");
        // rm -t removes the parents left empty (no value, no children), as xenstore-rm -t.
        assertThat(xenstore("rm", "-t", "/f/a/b").code()).isZero();
        assertThat(xenstore("exists", "/f/a").code()).isZero();
        assertThat(xenstore("rm", "-t", "/f/a/c").code()).isZero();
        assertThat(xenstore("exists", "/f/a").code()).isEqualTo(1);
        assertThat(xenstore("exists", "/f").code()).isZero(); // /f still holds /f/raw
        assertThat(xenstore("rm", "-s", "/f").code()).isZero();
        assertThat(xenstore("exists", "/f").code()).isEqualTo(1);
    }

    @Test
    void realXenstoreExistsAgreesWithTheCli() throws Exception {
        Path exists = ExternalPeers.requireExecutable("xenstore-exists", "apt-get install xenstore-utils");
        assertThat(xenstore("write", "/ex", "1").code()).isZero();
        for (String path : new String[] {"/ex", "/nope"}) {
            ProcessBuilder builder = new ProcessBuilder(exists.toString(), path).redirectErrorStream(true);
            builder.environment().put("XENSTORED_PATH", socket.toString());
            Process process = builder.start();
            process.getInputStream().readAllBytes();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(xenstore("exists", path).code()).as(path).isEqualTo(process.exitValue());
        }
    }

    @Test
    void watchPrintsTheInitialEventAndChanges() throws Exception {
        CompletableFuture<Run> watch = CompletableFuture.supplyAsync(
                () -> xenstore("watch", "-n", "2", "/w"), THREADS);
        // The watch is registered once the initial event has fired; writing until the watch
        // finishes guarantees a change event without racing its registration.
        for (int i = 0; !watch.isDone() && i < 10_000; i++) {
            xenstore("write", "/w/x", Integer.toString(i));
            try {
                watch.get(10, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException notYet) {
                // keep writing
            }
        }
        Run run = watch.get(30, TimeUnit.SECONDS);
        assertThat(run.code()).isZero();
        // As xenstore-watch: the event path only.
        assertThat(run.out().lines().toList()).hasSize(2).first().isEqualTo("/w");
    }

    @Test
    void realXenstoreUtilsReadWhatTheCliWrote() throws Exception {
        Path read = ExternalPeers.requireExecutable("xenstore-read", "apt-get install xenstore-utils");
        assertThat(xenstore("write", "/interop", "from-jxen").code()).isZero();
        ProcessBuilder builder = new ProcessBuilder(read.toString(), "/interop").redirectErrorStream(true);
        builder.environment().put("XENSTORED_PATH", socket.toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out.trim()).isEqualTo("from-jxen");
    }

    @Test
    void withAJournalTheStoreSurvivesARestart() throws Exception {
        Path journal = dir.resolve("journal");
        Path other = dir.resolve("j.sock");
        for (int run = 0; run < 2; run++) {
            XenstoredCommand d = new XenstoredCommand();
            CompletableFuture<String> up = new CompletableFuture<>();
            d.onListening = up::complete;
            CommandLine line = new CommandLine(d);
            StringWriter out = new StringWriter();
            line.setOut(new PrintWriter(out, true));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                    () -> line.execute("--socket", other.toString(), "--journal", journal.toString()), THREADS);
            up.get(30, TimeUnit.SECONDS);
            assertThat(out.toString()).contains("journal in " + journal);
            Path saved = socket;
            socket = other;
            try {
                if (run == 0) {
                    assertThat(xenstore("write", "/durable", "kept").code()).isZero();
                } else {
                    assertThat(xenstore("read", "/durable").out()).isEqualTo("kept\n");
                }
            } finally {
                socket = saved;
                d.stopped.countDown();
            }
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void anUnreachableDaemonIsAClearError() {
        StringWriter err = new StringWriter();
        CommandLine line = JxenCommand.newCommandLine();
        line.setErr(new PrintWriter(err, true));
        int code = line.execute("xenstore", "--socket", dir.resolve("nobody.sock").toString(), "read", "/x");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("cannot reach xenstored").contains("jxen xenstored --socket");
    }
}
