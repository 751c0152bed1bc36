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
            Run run = jxen("demo", "--seed", Long.toString(seed), "--requests", "5000");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("5000 sent, 5000 responses verified in order")
                    .contains("seed " + seed)
                    .contains("examples/guest.cfg -> domain 1")
                    .contains("Xen version 4.17")
                    .contains("read name = guest, wrote data/greeting, dom0 reads it back")
                    .contains("xvda connected over XenBus: 64 MiB")
                    .contains("equal to the model and to the image file")
                    .contains("2000 IPIs across 2 vCPUs")
                    .contains("50 ticks on each of 2 vCPUs")
                    .contains("xen_et:c0")
                    .contains("ipi:c0                           1000")
                    .contains("no domain, port or xenstore node left behind");
        });
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
        assertThat(jxen("no-such-verb").exitCode()).isNotZero();
    }

    /** The simulated part of the demo's output, without the names of temporary files. */
    private static String simulated(String text) {
        return text.substring(text.indexOf("[ring]")).replaceAll("memory file .*", "memory file <file>");
    }
}
