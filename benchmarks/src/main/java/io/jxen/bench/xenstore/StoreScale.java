package io.jxen.bench.xenstore;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.bench.Figures;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.watch.Watch;
import io.jxen.xenstore.wire.XsMessage;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The scale figures for jxen's store, in process (the request engine without
 * sockets): memory per node with 1,000,000 nodes and per watch with 10,000 watches (heap in
 * use after a full GC, before and after), and the cost of a write that fires watches with
 * 0 and with 10,000 registered watches that do not match it, plus 100 that do. A write must
 * cost the same with 10,000 non-matching watches as with none; the cost of scanning all
 * 10,000 (what an unindexed daemon does per write) is measured in the same run for scale.
 * Costs are CPU time of the requesting thread, so other load on the machine does not count.
 */
final class StoreScale {

    private static final int WATCH_CONNECTIONS = 10;

    private final XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
    private final long[] delivered = new long[1];
    private final Connection writer = core.connect(Caller.DOM0, m -> {
        delivered[0]++;
        return true;
    });
    private final List<Connection> watchers = new ArrayList<>();
    private int requestId;

    private StoreScale() {
        for (int i = 0; i < WATCH_CONNECTIONS; i++) {
            watchers.add(core.connect(Caller.DOM0, m -> {
                delivered[0]++;
                return true;
            }));
        }
    }

    static void run(boolean quick, PrintStream out, Figures figures) {
        new StoreScale().measure(quick, out, figures);
    }

    private void measure(boolean quick, PrintStream out, Figures figures) {
        int nodes = quick ? 100_000 : 1_000_000;
        int watches = 10_000;
        int writes = quick ? 20_000 : 100_000;
        int rounds = quick ? 3 : 5;

        long heap0 = usedHeapAfterGc();
        long t0 = cpuNow();
        for (int i = 0; i < nodes; i++) {
            handle(writer, write("/scale/d" + i / 1000 + "/k" + i % 1000, "v" + i));
        }
        double fillNs = (cpuNow() - t0) / (double) nodes;
        long heap1 = usedHeapAfterGc();
        int created = nodes + (nodes + 999) / 1000 + 1;
        double perNode = (heap1 - heap0) / (double) created;
        out.printf("store of %,d nodes: %.0f bytes of heap per node (after GC); filled at %.0f ns CPU per WRITE%n",
                created, perNode, fillNs);

        XsMessage probe = write("/scale/d7/k7", "x");
        long[] none = new long[rounds];
        long[] unrelated = new long[rounds];
        long heapWatches = 0;
        for (int r = 0; r < rounds; r++) {
            none[r] = nsPerWrite(probe, writes);
            long before = r == 0 ? usedHeapAfterGc() : 0;
            watchAll(watches, XsMessageTypes.WATCH);
            if (r == 0) {
                heapWatches = usedHeapAfterGc() - before;
            }
            unrelated[r] = nsPerWrite(probe, writes);
            if (r < rounds - 1) {
                watchAll(watches, XsMessageTypes.UNWATCH);
            }
        }
        double perWatch = heapWatches / (double) watches;
        for (int i = 0; i < 100; i++) {
            handle(watchers.get(i % WATCH_CONNECTIONS), request(XsMessageTypes.WATCH, "/scale/d7", "m" + i));
        }
        long matching = nsPerWrite(probe, writes / 10);
        long delivered0 = delivered[0];
        handle(writer, probe);
        long eventsPerWrite = delivered[0] - delivered0 - 1;
        double scanNs = scanAllNs(watches, "/scale/d7/k7");
        long noneNs = median(none);
        long unrelatedNs = median(unrelated);
        out.printf("%,d watches: %.0f bytes of heap per watch (after GC)%n", watches, perWatch);
        out.printf("WRITE (CPU per request) with 0 watches %d ns, 10,000 non-matching %d ns (%.2fx), "
                + "plus 100 matching %d ns (%d events per write); a scan of all 10,000 alone costs %.0f ns%n",
                noneNs, unrelatedNs, unrelatedNs / (double) noneNs, matching, eventsPerWrite, scanNs);
        figures.put("scale_nodes", created)
                .put("scale_heap_bytes_per_node", Math.round(perNode))
                .put("scale_fill_ns_per_write", Math.round(fillNs))
                .put("scale_watches", watches)
                .put("scale_heap_bytes_per_watch", Math.round(perWatch))
                .put("fire_ns_0_watches", noneNs)
                .put("fire_ns_10k_nonmatching", unrelatedNs)
                .put("fire_ratio_10k_nonmatching_to_0", unrelatedNs / (double) noneNs)
                .put("fire_ns_10k_nonmatching_100_matching", matching)
                .put("fire_events_per_write_100_matching", eventsPerWrite)
                .put("scan_10k_watches_ns", Math.round(scanNs));
        java.lang.ref.Reference.reachabilityFence(core);
    }

    /** WATCH (or UNWATCH) {@code n} watches, spread over the watch connections, none on /scale. */
    private void watchAll(int n, int type) {
        for (int i = 0; i < n; i++) {
            handle(watchers.get(i % WATCH_CONNECTIONS), request(type, "/elsewhere/d" + i % 100 + "/w" + i, "t" + i));
        }
    }

    private long nsPerWrite(XsMessage m, int n) {
        for (int i = 0; i < n / 4; i++) {
            handle(writer, m);
        }
        long t0 = cpuNow();
        for (int i = 0; i < n; i++) {
            handle(writer, m);
        }
        return (cpuNow() - t0) / n;
    }

    /** What a daemon without an index pays per write: test every registered watch. */
    private static double scanAllNs(int n, String changed) {
        List<Watch> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Watch("/elsewhere/d" + i % 100 + "/w" + i, "t" + i, null));
        }
        int hits = 0;
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 50; r++) {
            long t0 = cpuNow();
            for (Watch w : all) {
                if (w.matches(changed, false)) {
                    hits++;
                }
            }
            best = Math.min(best, cpuNow() - t0);
        }
        if (hits != 0) {
            throw new IllegalStateException("a non-matching watch matched");
        }
        return best;
    }

    private void handle(Connection c, XsMessage m) {
        core.handle(c, m);
    }

    private XsMessage write(String path, String value) {
        byte[] p = path.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        byte[] payload = Arrays.copyOf(p, p.length + 1 + v.length);
        System.arraycopy(v, 0, payload, p.length + 1, v.length);
        return new XsMessage(XsMessageTypes.WRITE, ++requestId, 0, payload);
    }

    private XsMessage request(int type, String... strings) {
        return XsMessage.ofStrings(type, ++requestId, 0, strings);
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * CPU time of this thread (ns): the machine is shared, so wall time would mostly measure
     * waiting for a core; the request engine runs on this thread only.
     */
    private static long cpuNow() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
