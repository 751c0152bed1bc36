package io.jxen.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jxen.cli.CliWaits.OWN_THREAD;
import static io.jxen.cli.CliWaits.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jxen xl} against a host that {@code jxen run} keeps alive, as a user runs it: xl list's
 * exact columns for Domain-0 and the guest, xl info, vcpu-list, pause/unpause, xl top in batch
 * mode showing the guest's VBD_WR and VBD_WSECT rise after the guest's shell writes a sector
 * through blkfront, xl's error for an unknown domain, and xl shutdown -w ending the guest and
 * the run. A second test gives the client a hostile control socket. {@link Timeout} only
 * guards against a hang; every wait is on observable state.
 */
class XlCommandTest {

    @TempDir
    Path dir;

    /** One command's outcome. */
    private record Result(int code, String out, String err) {
    }

    private static Result jxen(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = JxenCommand.newCommandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Result xl(Path hostDir, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "xl";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--dir";
        all[args.length + 2] = hostDir.toString();
        return jxen(all);
    }

    /** The rows of {@code name} in xl top's frames, as columns. */
    private static List<String[]> topRows(String frames, String name) {
        return frames.lines().map(String::trim).filter(l -> l.startsWith(name + " "))
                .map(l -> l.split("\\s+")).toList();
    }

    @Test
    @Timeout(180)
    void xlVerbsAndTopAgainstARunningHost() throws Exception {
        Path cfg = TinyGuest.write(dir);
        Path hostDir = dir.resolve("host");
        StringWriter runOut = new StringWriter();
        StringWriter runErr = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            CommandLine line = JxenCommand.newCommandLine();
            line.setOut(new PrintWriter(runOut, true));
            line.setErr(new PrintWriter(runErr, true));
            return line.execute("run", cfg.toString(), "--dir", hostDir.toString(), "--frames", "16384");
        }, OWN_THREAD);
        until("the host runs", () -> runOut.toString().contains("jxen console tiny") || run.isDone());
        assertThat(run.isDone()).as(runOut + "\n" + runErr).isFalse();

        // xl list: xl's header and rows, dom0 included
        Result list = xl(hostDir, "list");
        assertThat(list.code()).as(list.err()).isZero();
        List<String> rows = list.out().lines().toList();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).isEqualTo("Name" + " ".repeat(40) + "ID   Mem VCPUs\tState\tTime(s)");
        assertThat(rows.get(1)).startsWith(String.format(Locale.ROOT, "%-40s %5d %5d %5d     ", "Domain-0", 0, 1, 1))
                .matches(".{63}[r-][b-]----  +\\d+\\.\\d");
        assertThat(rows.get(2)).startsWith(String.format(Locale.ROOT, "%-40s %5d %5d %5d     ", "tiny", 1, 16, 2)) // the kernel brings vCPU 1 up
                .matches(".{63}[r-][b-]----  +\\d+\\.\\d");
        assertThat(rows.get(2).length()).isEqualTo(40 + 6 + 6 + 6 + 5 + 6 + 2 + 8);
        assertThat(xl(hostDir, "list", "tiny").out().lines().toList()).hasSize(2);

        // unknown domains: xl's text and exit code 1
        Result unknown = xl(hostDir, "list", "nosuch");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("nosuch is an invalid domain identifier (rc=-6)\n");
        for (String verb : List.of("shutdown", "destroy", "pause", "unpause", "reboot")) {
            Result r = xl(hostDir, verb, "nosuch");
            assertThat(r.code()).as(verb).isEqualTo(1);
            assertThat(r.err()).as(verb).isEqualTo("nosuch is an invalid domain identifier (rc=-6)\n");
        }
        assertThat(xl(hostDir, "destroy", "42").err()).isEqualTo("42 is an invalid domain identifier (rc=-6)\n");

        // xl info: the host's 16384 frames are 64 MiB
        Result info = xl(hostDir, "info");
        assertThat(info.code()).as(info.err()).isZero();
        assertThat(info.out()).contains("total_memory           : 64\n").contains("xen_major              : 4\n")
                .contains("xen_version            : 4.17-jxen\n").containsPattern("nr_cpus                : [1-9]");
        long free = Long.parseLong(info.out().lines().filter(l -> l.startsWith("free_memory")).findFirst().orElseThrow()
                .split(":\\s*")[1]);
        assertThat(free).isBetween(1L, 64L - 16);

        // xl vcpu-list: two vCPUs for tiny
        Result vcpus = xl(hostDir, "vcpu-list", "tiny");
        assertThat(vcpus.code()).as(vcpus.err()).isZero();
        assertThat(vcpus.out().lines().toList()).hasSize(3);
        assertThat(vcpus.out().lines().toList().get(0))
                .isEqualTo("Name" + " ".repeat(32) + "ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)");
        assertThat(vcpus.out().lines().toList().get(1))
                .matches(String.format(Locale.ROOT, "%-32s %5d %5d", "tiny", 1, 0) + "    -   [r-][b-]-  +\\d+\\.\\d  all / all");
        assertThat(vcpus.out().lines().toList().get(2))
                .matches(String.format(Locale.ROOT, "%-32s %5d %5d", "tiny", 1, 1) + "    -   [r-][b-]-  +\\d+\\.\\d  all / all");

        // pause and unpause show in the state flags
        assertThat(xl(hostDir, "pause", "tiny").code()).isZero();
        assertThat(xl(hostDir, "list", "tiny").out().lines().toList().get(1).substring(63, 69)).matches("-[b-]p---");
        assertThat(xl(hostDir, "unpause", "1").code()).isZero();
        assertThat(xl(hostDir, "list", "tiny").out().lines().toList().get(1).charAt(65)).isEqualTo('-');

        // the guest writes a sector through blkfront once its disk is connected
        until("the vbd is connected", () -> jxen("xenbus", "list", "tiny", "--dir", hostDir.toString()).out()
                .contains("front 4 Connected"));
        Result before = xl(hostDir, "top", "-b", "-i", "1");
        assertThat(before.code()).as(before.err()).isZero();
        assertThat(before.out().lines().toList().get(3).trim().split("\\s+")).containsExactly("NAME", "STATE",
                "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "VBDS", "VBD_RD", "VBD_WR",
                "VBD_RSECT", "VBD_WSECT");
        String[] tinyBefore = topRows(before.out(), "tiny").getFirst();
        Result screenMode = xl(hostDir, "top", "-i", "1");
        assertThat(screenMode.out()).startsWith("\033[H\033[2Jxentop - ");
        assertThat(xl(hostDir, "top", "-b", "-d", "0").code()).isNotZero();
        assertThat(tinyBefore[4]).isEqualTo(Long.toString(16 * 1024));
        assertThat(tinyBefore[8]).isEqualTo("2"); // both vCPUs online
        assertThat(tinyBefore[9]).isEqualTo("1");
        long wrBefore = Long.parseLong(tinyBefore[11]);
        long wsectBefore = Long.parseLong(tinyBefore[13]);

        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard, 4096);
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == ConsoleCommand.class ? cls.cast(new ConsoleCommand(stdin))
                        : CommandLine.defaultFactory().create(cls);
            }
        };
        StringWriter screen = new StringWriter();
        CompletableFuture<Integer> console = CompletableFuture.supplyAsync(() -> {
            CommandLine line = new CommandLine(new JxenCommand(), factory);
            line.setOut(new PrintWriter(screen, true));
            line.setErr(new PrintWriter(new StringWriter(), true));
            return line.execute("xl", "console", "tiny", "--dir", hostDir.toString());
        }, OWN_THREAD);
        until("xl console shows the guest's prompt", () -> screen.toString().contains("Type 'help'.\n> "));
        keyboard.write("disk-write 3 written for xl top\ndisk-read 3\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        until("the guest read its sector back", () -> screen.toString().contains("wrote sector 3\n> written for xl top\n"));

        Result after = xl(hostDir, "top", "-b", "-i", "2", "-d", "0.05");
        assertThat(after.code()).as(after.err()).isZero();
        assertThat(after.out()).containsPattern("(?m)^xentop - ..:..:..   Xen 4\\.17-jxen$")
                .containsPattern("(?m)^2 domains: ");
        List<String[]> tinyAfter = topRows(after.out(), "tiny");
        assertThat(tinyAfter).hasSize(2); // two frames
        for (String[] row : tinyAfter) {
            assertThat(Long.parseLong(row[11])).as("VBD_WR").isGreaterThan(wrBefore);
            assertThat(Long.parseLong(row[13])).as("VBD_WSECT").isGreaterThanOrEqualTo(wsectBefore + 1);
            assertThat(Long.parseLong(row[10])).as("VBD_RD").isGreaterThanOrEqualTo(1);
        }
        assertThat(topRows(after.out(), "Domain-0")).hasSize(2);
        keyboard.close(); // detach the console

        // xl create: a second guest boots on the same host; xl reboot restarts it (on_reboot =
        // "restart" boots its kernel again, which then answers xl shutdown -w); xl destroy
        Path second = dir.resolve("second.cfg");
        Files.writeString(second, "name = \"second\"\nmemory = 8\nvcpus = 1\non_reboot = \"restart\"\n");
        Result created = xl(hostDir, "create", second.toString());
        assertThat(created.code()).as(created.err() + runOut).isZero();
        assertThat(created.err()).isEqualTo("Parsing config from " + second + "\n");
        List<String> three = xl(hostDir, "list").out().lines().toList();
        assertThat(three).hasSize(4);
        assertThat(three.get(3)).startsWith(String.format(Locale.ROOT, "%-40s %5d %5d %5d     ", "second", 2, 8, 1));
        Result twice = xl(hostDir, "create", second.toString());
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.err()).contains("domain 'second' already exists");
        Path broken = dir.resolve("broken.cfg");
        Files.writeString(broken, "name = \"broken\"\nmemory = lots\n");
        Result bad = xl(hostDir, "create", broken.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("broken.cfg").doesNotContain("Exception");
        assertThat(xl(hostDir, "reboot", "second").code()).isZero();
        // The restarted guest has a new id, as on Xen (the hypervisor's rover moves on).
        until("second restarts", () -> runOut.toString().contains("d2 (second) shut down (reboot): restart")
                && runOut.toString().contains("d3 (second) created"));
        Result secondGone = xl(hostDir, "shutdown", "-w", "second");
        assertThat(secondGone.code()).as(secondGone.err()).isZero();
        assertThat(secondGone.out()).isEqualTo("Waiting for 1 domains\nDomain 3 has been destroyed.\n");
        assertThat(xl(hostDir, "create", second.toString()).code()).isZero();
        assertThat(xl(hostDir, "destroy", "second").code()).isZero();
        assertThat(xl(hostDir, "list").out().lines().toList()).hasSize(3);
        assertThat(run.isDone()).isFalse();

        // xl shutdown -w: the guest powers off, is destroyed, and the run ends
        Result shutdown = xl(hostDir, "shutdown", "-w", "tiny");
        assertThat(shutdown.code()).as(shutdown.err()).isZero();
        assertThat(shutdown.out()).isEqualTo("Waiting for 1 domains\nDomain 1 has been destroyed.\n");
        assertThat(run.get(60, TimeUnit.SECONDS)).as(runErr.toString()).isZero();
        assertThat(console.get(60, TimeUnit.SECONDS)).isZero();
        assertThat(runOut.toString()).contains("d1 (tiny) destroyed");
    }

    @Test
    @Timeout(60)
    void aGarbledReplyIsAClearError() throws Exception {
        Path hostDir = dir.resolve("fake");
        Files.createDirectories(hostDir);
        List<String> replies = List.of(
                "ok\ndomid=0 name=Domain-0 state=zzzzzz cpu_ns=0 mem_kib=0 maxmem_kib=0 vcpus=1 online_vcpus=1 vbds=0"
                        + " vbd_rd=0 vbd_wr=0 vbd_rsect=0 vbd_wsect=0\n",
                "ok\ndomid=0 name=Domain-0\n",
                "ok\n" + "x".repeat(5000) + "\n",
                "ok\ndomid=99999999 name=a state=r----- cpu_ns=0 mem_kib=0 maxmem_kib=0 vcpus=1 online_vcpus=1 vbds=0"
                        + " vbd_rd=0 vbd_wr=0 vbd_rsect=0 vbd_wsect=0\n",
                "ok\ndomid=0 name=Domain-0 name=x\n",
                "ok\ndomid=0 name=%zz\n",
                "ok\ndomid=0 name=a state=r----- cpu_ns=0 mem_kib=0 maxmem_kib=0 vcpus=1 online_vcpus=1 vbds=0"
                        + " vbd_rd=0 vbd_wr=0 vbd_rsect=0 vbd_wsect=0");
        List<String> expected = List.of("state=zzzzzz is not xl's rbpscd flags", "missing state=",
                "line longer than 2048", "domid=99999999 is outside 0..32751", "key 'name' repeated",
                "bad escape", "ends inside a line");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(hostDir.resolve("control.sock")));
            Thread host = Thread.ofPlatform().daemon().start(() -> {
                for (String reply : replies) {
                    try (SocketChannel c = server.accept()) {
                        ByteBuffer one = ByteBuffer.allocate(1);
                        while (c.read(one.clear()) > 0 && one.get(0) != '\n') {
                            // the request line
                        }
                        c.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            for (String message : expected) {
                Result r = xl(hostDir, "list");
                assertThat(r.code()).as(message).isEqualTo(1);
                assertThat(r.err()).as(r.err()).startsWith("jxen: ").contains(message).doesNotContain("Exception")
                        .doesNotContain("\tat ");
            }
            host.join(10_000);
        }
    }
}
