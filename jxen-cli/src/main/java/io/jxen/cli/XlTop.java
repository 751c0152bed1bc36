package io.jxen.cli;

import io.jxen.host.control.DomainSample;
import io.jxen.host.control.HostInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jxen xl top}: xentop's table, refreshed every {@code -d} seconds. Every figure is a
 * counter the host keeps: CPU(sec) is the sum of the domain's vCPUs' {@code RUNSTATE_running}
 * time, CPU(%) its growth between two samples over the wall time between them (0 on the first
 * sample, as xentop), MEM from the domain's pages, VBD_* from dom0's blkback answers to the
 * domain's rings (reset when a ring reconnects, as Linux blkback's statistics). jxen has no
 * network backend, so xentop's NETS columns are left out rather than shown as zeroes.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"xentop: a refreshing table of every domain's CPU, memory and block I/O counters.",
            "-b prints plain frames (no screen control), for scripts."})
final class XlTop extends XlCommand.Verb {

    @Option(names = {"-d", "--delay"}, paramLabel = "SECONDS", defaultValue = "3",
            description = "Seconds between updates (default: ${DEFAULT-VALUE}).")
    double delay;

    @Option(names = {"-i", "--iterations"}, paramLabel = "N", defaultValue = "0",
            description = "Number of frames, then exit (default: until interrupted).")
    int iterations;

    @Option(names = {"-b", "--batch"}, description = "Batch mode: no screen control.")
    boolean batch;

    private static final String CLEAR = "\033[H\033[2J";

    @Override
    public Integer call() throws Exception {
        if (!(delay > 0 && delay <= 86400)) {
            throw new IllegalArgumentException("-d must be more than 0 and at most 86400 seconds, not " + delay);
        }
        if (iterations < 0) {
            throw new IllegalArgumentException("-i must not be negative");
        }
        PrintWriter out = out();
        Map<Integer, Previous> previous = new HashMap<>();
        for (int frame = 0; iterations == 0 || frame < iterations; frame++) {
            if (frame > 0) {
                Thread.sleep((long) (delay * 1000));
            }
            HostInfo info = info();
            List<DomainSample> domains = domains();
            long now = System.nanoTime();
            if (!batch) {
                out.print(CLEAR);
            }
            out.print(frame(info, domains, previous, now));
            out.flush();
            previous.clear();
            for (DomainSample d : domains) {
                previous.put(d.domid(), new Previous(d.name(), d.cpuNanos(), now));
            }
        }
        return 0;
    }

    /** A domain's CPU time at the previous frame. */
    record Previous(String name, long cpuNanos, long atNanos) {
    }

    private HostInfo info() throws IOException {
        List<String> lines = ControlReply.lines(hostDir(), "info");
        try {
            if (lines.size() != 1) {
                throw new IllegalArgumentException(lines.size() + " lines, not 1");
            }
            return HostInfo.parse(lines.getFirst());
        } catch (IllegalArgumentException e) {
            throw new IOException("the host's info reply is garbled: " + e.getMessage(), e);
        }
    }

    /** One frame: xentop's summary lines, then its header and a row per domain. */
    static String frame(HostInfo info, List<DomainSample> domains, Map<Integer, Previous> previous, long nowNanos) {
        StringBuilder b = new StringBuilder();
        int running = 0;
        int blocked = 0;
        int paused = 0;
        int crashed = 0;
        int dying = 0;
        int shutdown = 0;
        long used = 0;
        for (DomainSample d : domains) {
            String s = d.state();
            running += s.charAt(0) == 'r' ? 1 : 0;
            blocked += s.charAt(1) == 'b' ? 1 : 0;
            paused += s.charAt(2) == 'p' ? 1 : 0;
            shutdown += s.charAt(3) == 's' ? 1 : 0;
            crashed += s.charAt(4) == 'c' ? 1 : 0;
            dying += s.charAt(5) == 'd' ? 1 : 0;
            used += d.memKib();
        }
        b.append("xentop - ").append(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)))
                .append("   Xen ").append(info.xenMajor()).append('.').append(info.xenMinor()).append(info.xenExtra())
                .append('\n');
        b.append(String.format(Locale.ROOT,
                "%d domains: %d running, %d blocked, %d paused, %d crashed, %d dying, %d shutdown%n", domains.size(),
                running, blocked, paused, crashed, dying, shutdown));
        b.append(String.format(Locale.ROOT, "Mem: %dk total, %dk used, %dk free    CPUs: %d%n", info.totalMemKib(),
                info.totalMemKib() - info.freeMemKib(), info.freeMemKib(), info.nrCpus()));
        b.append(String.format(Locale.ROOT, "%10s %6s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %10s %10s%n", "NAME",
                "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "VBDS", "VBD_RD",
                "VBD_WR", "VBD_RSECT", "VBD_WSECT"));
        double total = Math.max(1, info.totalMemKib());
        for (DomainSample d : domains) {
            Previous p = previous.get(d.domid());
            double pct = 0;
            if (p != null && p.name().equals(d.name()) && nowNanos > p.atNanos() && d.cpuNanos() >= p.cpuNanos()) {
                pct = 100.0 * (d.cpuNanos() - p.cpuNanos()) / (nowNanos - p.atNanos());
            }
            b.append(String.format(Locale.ROOT, "%10s %6s %10d %6.1f %10d %6.1f %10d %9.1f %5d %4d %8d %8d %10d %10d%n",
                    d.name(), d.state(), d.cpuNanos() / 1_000_000_000L, pct, d.memKib(), 100 * d.memKib() / total,
                    d.maxMemKib(), 100 * d.maxMemKib() / total, d.onlineVcpus(), d.vbds(), d.vbdRd(), d.vbdWr(),
                    d.vbdRsect(), d.vbdWsect()));
        }
        return b.toString();
    }
}
