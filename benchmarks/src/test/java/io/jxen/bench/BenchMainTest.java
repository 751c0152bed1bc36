package io.jxen.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchMainTest {

    private record Run(int code, String out, String err) {
    }

    private static Run bench(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listNamesEveryRegisteredBenchmarkOnce() throws Exception {
        List<Bench> all = BenchMain.all();
        assertThat(all).extracting(Bench::name).doesNotHaveDuplicates()
                .contains("ring-roundtrip", "ring-futex", "ring-ops", "pvclock", "hpet", "timer", "nbd", "block", "domain-cycles", "xenstore",
                        "evtchn", "gnttab", "multicall");
        Run run = bench("--list");
        assertThat(run.code()).isZero();
        all.forEach(b -> assertThat(run.out()).contains(b.name()));
    }

    @Test
    void unknownNamesAndOptionsAreRefusedClearly() throws Exception {
        Run unknown = bench("no-such-bench");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no benchmark named 'no-such-bench'");
        Run badOption = bench("ring-ops", "--fast");
        assertThat(badOption.code()).isEqualTo(2);
        assertThat(badOption.err()).contains("unknown option --fast");
    }

    @Test
    void jmhAnnotationProcessingRan() throws Exception {
        try (InputStream list = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertThat(list).as("META-INF/BenchmarkList (JMH's generator on the processor path)").isNotNull();
            assertThat(new String(list.readAllBytes(), StandardCharsets.UTF_8)).contains("RingOpsJmh");
        }
    }

    @Test
    void figuresPrintAsOneKeyValueLine() {
        Figures figures = new Figures().put("ops", 3L).put("ratio", 1.5).put("peer", "xenstored");
        assertThat(figures.line("x")).isEqualTo("bench=x ops=3 ratio=1.500 peer=xenstored");
    }
}
