package io.jxen.bench;

import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SystemClock;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How this run's vCPUs wait (the host default {@link HaltPoll}: {@code -Djxen.haltPoll},
 * {@code -Djxen.spareCore}) and the machine's load when the run started, printed with and
 * recorded in the figures of latency-bound benchmarks: their results depend on both.
 */
public final class WaitPolicy {

    private WaitPolicy() {
    }

    /** Prints one line and records {@code halt_poll_max_ns}, {@code spare_core} and {@code loadavg}. */
    public static void record(PrintStream out, Figures f) {
        HaltPoll haltPoll = HaltPoll.forClock(SystemClock.INSTANCE);
        String policy = haltPoll.enabled() ? Long.toString(haltPoll.config().maxNanos()) : "off";
        String spare = System.getProperty("jxen.spareCore", "auto");
        String load = loadavg();
        out.printf("vCPU halt: %s (-Djxen.haltPoll), spare core %s (-Djxen.spareCore), load %s%n",
                haltPoll.enabled() ? "halt-poll, cap " + policy + " ns" : "no halt-poll", spare, load);
        f.put("halt_poll_max_ns", policy).put("spare_core", spare).put("loadavg_1m", load.split(" ")[0]);
    }

    /** The first three fields of /proc/loadavg and the runnable count, or "?". */
    static String loadavg() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2] + " (" + fields[3] + " runnable)";
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }
}
