package io.jxen.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jxen.cli.CliWaits.OWN_THREAD;
import static io.jxen.cli.CliWaits.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verbs that keep and inspect a running host, as a user runs them: {@code jxen run CONFIG}
 * in one place, {@code jxen console NAME} and {@code jxen xenbus list NAME} against the same
 * host directory. Output written by the guest's shell reaches the console command's output;
 * lines given to the console command reach the guest (it writes and reads xenstore through its
 * ring and answers); {@code poweroff} typed at the console ends the guest, the console and the
 * run. {@link Timeout} only guards against a hang.
 */
class RunConsoleXenbusTest {

    @TempDir
    Path dir;

    private static CommandLine jxen(StringWriter out, StringWriter err, CommandLine.IFactory factory) {
        CommandLine line = factory == null ? JxenCommand.newCommandLine()
                : new CommandLine(new JxenCommand(), factory);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line;
    }

    @Test
    @Timeout(180)
    void runAGuestTalkToItsConsoleListItsXenbusDevicesAndPowerItOff() throws Exception {
        Path cfg = TinyGuest.write(dir);
        Path hostDir = dir.resolve("host");
        StringWriter runOut = new StringWriter();
        StringWriter runErr = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() ->
                jxen(runOut, runErr, null).execute("run", cfg.toString(), "--dir", hostDir.toString()), OWN_THREAD);
        until("the host runs", () -> runOut.toString().contains("jxen console tiny") || run.isDone());
        assertThat(run.isDone()).as(runOut + "\n" + runErr).isFalse();

        // jxen console tiny: typed lines go in through a pipe
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard, 4096);
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == ConsoleCommand.class) {
                    return cls.cast(new ConsoleCommand(stdin));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        };
        StringWriter screen = new StringWriter();
        StringWriter consoleErr = new StringWriter();
        CompletableFuture<Integer> console = CompletableFuture.supplyAsync(() ->
                jxen(screen, consoleErr, factory).execute("console", "tiny", "--dir", hostDir.toString()), OWN_THREAD);
        until("the guest's greeting (console history)", () -> screen.toString().contains("Type 'help'.\n> ")
                || console.isDone());
        assertThat(console.isDone()).as(screen + "\n" + consoleErr + "\n" + runOut + runErr).isFalse();
        assertThat(screen.toString()).as(consoleErr.toString()).contains("Xen version 4.17");

        keyboard.write("write data/motd hello from the console\nread data/motd\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        until("the guest answers through its xenstore ring", () -> screen.toString().contains("hello from the console\n> "));
        keyboard.write("frobnicate\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        until("unknown commands are refused", () -> screen.toString().contains("frobnicate: unknown command"));

        // jxen xenbus list tiny: the vbd connected by the guest's blkfront to dom0's blkback
        StringWriter listOut = new StringWriter();
        StringWriter listErr = new StringWriter();
        until("the vbd is connected at both ends", () -> {
            listOut.getBuffer().setLength(0);
            int code = jxen(listOut, listErr, null).execute("xenbus", "list", "tiny", "--dir", hostDir.toString());
            return code == 0 && listOut.toString().contains("front 4 Connected")
                    && listOut.toString().contains("4 Connected\n");
        });
        String row = listOut.toString().lines().filter(l -> l.contains("/device/vbd/51712")).findFirst().orElseThrow();
        assertThat(row.split("\\s+")).containsExactly("/local/domain/1/device/vbd/51712", "vbd", "51712", "front", "4",
                "Connected", "/local/domain/0/backend/vbd/1/51712", "0", "4", "Connected");
        StringWriter dom0Out = new StringWriter();
        assertThat(jxen(dom0Out, listErr, null).execute("xenbus", "list", "0", "--dir", hostDir.toString())).isZero();
        assertThat(dom0Out.toString()).contains("/local/domain/0/backend/vbd/1/51712 ")
                .contains("/local/domain/0/backend/console/1/0 ");
        StringWriter bad = new StringWriter();
        StringWriter badErr = new StringWriter();
        assertThat(jxen(bad, badErr, null).execute("xenbus", "list", "nosuch", "--dir", hostDir.toString())).isEqualTo(1);
        assertThat(badErr.toString()).contains("no domain nosuch");

        keyboard.write("poweroff\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        assertThat(console.get(60, TimeUnit.SECONDS)).as(consoleErr.toString()).isZero();
        assertThat(screen.toString()).contains("poweroff: the guest powers off");
        assertThat(run.get(60, TimeUnit.SECONDS)).as(runErr.toString()).isZero();
        assertThat(runOut.toString()).contains("d1 (tiny) destroyed").contains("domain 1 is gone; the host stops");
        assertThat(Files.exists(hostDir.resolve("control.sock"))).isFalse();

        StringWriter none = new StringWriter();
        StringWriter noneErr = new StringWriter();
        assertThat(jxen(none, noneErr, null).execute("console", "tiny", "--dir", hostDir.toString())).isEqualTo(1);
        assertThat(noneErr.toString()).contains("no jxen host runs in " + hostDir);
    }
}
