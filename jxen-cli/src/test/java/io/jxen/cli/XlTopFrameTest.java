package io.jxen.cli;

import io.jxen.host.control.DomainSample;
import io.jxen.host.control.HostInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * xl top's arithmetic on given samples: CPU(%) is the CPU-time delta over the wall-time delta
 * (0 without a previous sample, or when the id now names another domain), MEM(%) against the
 * host's memory, and the summary counts the state flags.
 */
class XlTopFrameTest {

    private static DomainSample sample(int domid, String name, String state, long cpuNanos) {
        return new DomainSample(domid, name, state, cpuNanos, 16384, 32768, 2, 1, 1, 7, 9, 56, 72);
    }

    private static String[] row(String frame, String name) {
        return frame.lines().map(String::trim).filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow()
                .split("\\s+");
    }

    @Test
    void cpuPercentIsTheRunningTimeDeltaOverTheWallTimeDelta() {
        HostInfo info = new HostInfo(65536, 32768, 2, 4, 17, "-jxen");
        List<DomainSample> now = List.of(sample(0, "Domain-0", "r-----", 3_000_000_000L),
                sample(1, "web", "-b----", 2_500_000_000L), sample(2, "new", "--p---", 9_000_000_000L));
        Map<Integer, XlTop.Previous> before = Map.of(0, new XlTop.Previous("Domain-0", 2_000_000_000L, 1_000_000_000L),
                1, new XlTop.Previous("web", 2_000_000_000L, 1_000_000_000L),
                2, new XlTop.Previous("old", 0, 1_000_000_000L));
        String frame = XlTop.frame(info, now, before, 3_000_000_000L);
        assertThat(row(frame, "Domain-0")).containsExactly("Domain-0", "r-----", "3", "50.0", "16384", "25.0", "32768",
                "50.0", "1", "1", "7", "9", "56", "72");
        assertThat(row(frame, "web")[3]).isEqualTo("25.0");
        assertThat(row(frame, "new")[3]).isEqualTo("0.0"); // domain id 2 was another domain before
        assertThat(frame).contains("3 domains: 1 running, 1 blocked, 1 paused, 0 crashed, 0 dying, 0 shutdown\n")
                .contains("Mem: 65536k total, 32768k used, 32768k free    CPUs: 2\n");
        assertThat(row(XlTop.frame(info, now, Map.of(), 3_000_000_000L), "web")[3]).isEqualTo("0.0");
    }

    @Test
    void namesWithSpacesSurviveTheWire() {
        DomainSample odd = new DomainSample(5, "a b=c%d\u00e9", "------", 1, 2, 3, 1, 1, 0, 0, 0, 0, 0);
        assertThat(odd.toLine()).doesNotContain("a b");
        assertThat(DomainSample.parse(odd.toLine())).isEqualTo(odd);
    }
}
