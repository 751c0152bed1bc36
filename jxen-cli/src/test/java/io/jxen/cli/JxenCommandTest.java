package io.jxen.cli;

import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class JxenCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run jxen(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = JxenCommand.newCommandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheVerbsAndTheBenchmarks() {
        Run run = jxen("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("demo").contains("./jxen bench --list");
    }

    @Test
    void demoMovesEveryRequestOverTheRingAndVerifiesIt() {
        Seeds.run(seed -> {
            Run run = jxen("demo", "--seed", Long.toString(seed), "--requests", "5000", "--progress", "plain");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("5000 sent, 5000 responses verified in order")
                    .contains("seed " + seed)
                    .contains("examples/guest.cfg -> domain 1")
                    .contains("Xen version 4.17")
                    .contains("read name = guest, wrote data/greeting, dom0 reads it back")
                    .contains("xvda connected over XenBus: 64 MiB")
                    .contains("backend /local/domain/0/backend/vbd/1/51712: sectors=131072 sector-size=512")
                    .contains("feature-flush-cache=1").contains("feature-persistent=1")
                    .contains("frontend /local/domain/1/device/vbd/51712:").contains("protocol=x86_64-abi")
                    .containsPattern("block +write +\\[#{6}\\.{18}\\] +8/32 MiB")
                    .containsPattern("block +read +\\[#{24}\\] +32/32 MiB")
                    .contains("wrote 32 MiB in 1 MiB requests").contains("with 4 flushes")
                    .contains("equal to the model and to the image file")
                    .contains("blkfront closed over XenBus")
                    .contains("the guest acknowledged, stopped its vCPUs and made SCHEDOP_shutdown(poweroff)")
                    .contains("2000 IPIs across 2 vCPUs")
                    .contains("50 ticks on each of 2 vCPUs")
                    .contains("xen_et:c0")
                    .contains("ipi:c0                           1000")
                    .contains("no domain, port or xenstore node left behind");
        });
    }

    /** On a terminal the progress is one line rewritten in place: carriage returns, one newline per phase. */
    @Test
    void demoProgressOnATerminalIsOneUpdatingLine() {
        Run run = jxen("demo", "--requests", "1000", "--progress", "line");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // Split on newlines only (String.lines() would split on the carriage returns too).
        java.util.List<String> lines = java.util.Arrays.asList(run.out().split("\n"));
        java.util.List<String> writes = lines.stream().filter(l -> l.contains("block    write")).toList();
        assertThat(writes).hasSize(1);
        assertThat(writes.getFirst().chars().filter(c -> c == '\r').count()).as("32 updates and the final figures").isEqualTo(33);
        assertThat(writes.getFirst()).contains("  1/32 MiB").contains(" 32/32 MiB");
        assertThat(lines.stream().filter(l -> l.contains("block    read"))).hasSize(1);
    }

    @Test
    void theDemoReplaysExactlyFromItsSeed() {
        Run first = jxen("demo", "--seed", "12345", "--requests", "3000");
        Run second = jxen("demo", "--seed", "12345", "--requests", "3000");
        assertThat(first.exitCode()).isZero();
        assertThat(simulated(second.out())).isEqualTo(simulated(first.out())).contains("3000 responses verified");
    }

    @Test
    void badArgumentsGetAClearErrorAndExitCode() {
        Run run = jxen("demo", "--requests", "0");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("--requests must be at least 1");
        assertThat(jxen("demo", "--progress", "fancy").err()).contains("--progress must be auto, line or plain");
        assertThat(jxen("no-such-verb").exitCode()).isNotZero();
    }

    /** The simulated part of the demo's output, without the names of temporary files. */
    private static String simulated(String text) {
        return text.substring(text.indexOf("[ring]")).replaceAll("memory file .*", "memory file <file>");
    }
}
