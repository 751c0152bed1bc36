package io.jxen.bench.ring;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ring-roundtrip}: a front and a back ring end on two spinning threads of one JVM,
 * blkif-sized entries (112 bytes, one page, 32 entries), every request and response copied
 * out once as in production. Measures
 * <ul>
 *   <li>ping-pong: one request in flight, ns per request/response pair;</li>
 *   <li>pipelined: the front keeps the ring full, requests per second;</li>
 *   <li>the floor: a bare {@link AtomicLong} ping-pong between two threads, ns per pair.</li>
 * </ul>
 * No notifications: both sides spin, so the figures are the cost of the ring itself.
 */
public final class RingRoundtripBench implements Bench {

    private static final int ENTRY_SIZE = 112;
    private static final int REPEATS = 5;

    @Override
    public String name() {
        return "ring-roundtrip";
    }

    @Override
    public String description() {
        return "ring.h request/response between two threads (ping-pong and pipelined) vs an AtomicLong ping-pong";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        int pingPongs = quick ? 200_000 : 2_000_000;
        int pipelined = quick ? 1_000_000 : 20_000_000;
        int repeats = quick ? 2 : REPEATS;

        // Warm up the JIT on both code paths, then take the median of the repeats.
        ringPingPong(pingPongs / 4);
        floorPingPong(pingPongs / 4);
        ringPipelined(pipelined / 4);
        double[] ring = new double[repeats];
        double[] floor = new double[repeats];
        double[] stream = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            ring[i] = ringPingPong(pingPongs);
            floor[i] = floorPingPong(pingPongs);
            stream[i] = ringPipelined(pipelined);
        }
        double ringNs = median(ring);
        double floorNs = median(floor);
        double streamNs = median(stream);
        out.printf("ping-pong, one request in flight: ring %.0f ns per pair, AtomicLong floor %.0f ns (%.2fx)%n",
                ringNs, floorNs, ringNs / floorNs);
        out.printf("pipelined, ring kept full: %.0f ns per pair, %.2f M requests/s%n", streamNs, 1e3 / streamNs);
        return new Figures()
                .put("entry_bytes", ENTRY_SIZE)
                .put("pingpong_pairs", pingPongs)
                .put("ring_pingpong_ns_per_pair", ringNs)
                .put("floor_pingpong_ns_per_pair", floorNs)
                .put("ratio_ring_to_floor", ringNs / floorNs)
                .put("pipelined_ns_per_pair", streamNs)
                .put("pipelined_requests_per_s", 1e9 / streamNs);
    }

    /** One request in flight; returns ns per request/response pair. */
    private static double ringPingPong(int pairs) throws Exception {
        return runRing(pairs, 1);
    }

    /** The front keeps as many requests in flight as the ring holds; ns per pair. */
    private static double ringPipelined(int pairs) throws Exception {
        return runRing(pairs, Integer.MAX_VALUE);
    }

    private static double runRing(int pairs, int window) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedRing ring = new SharedRing(arena.allocate(4096, 4096), ENTRY_SIZE);
            FrontRing front = FrontRing.init(ring);
            BackRing back = BackRing.init(ring);
            CompletableFuture<Void> backDone = new CompletableFuture<>();
            Thread backThread = Thread.ofPlatform().name("bench-ring-back").start(() -> {
                try (Arena mine = Arena.ofConfined()) {
                    MemorySegment request = mine.allocate(ENTRY_SIZE, 8);
                    int handled = 0;
                    while (handled < pairs) {
                        int n = back.unconsumedRequests();
                        if (n == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        for (int i = 0; i < n; i++) {
                            back.copyRequest(request);
                            request.set(ValueLayout.JAVA_BYTE, 8, (byte) 0); // status: OK
                            back.putResponse(request);
                        }
                        back.pushResponses();
                        handled += n;
                    }
                    backDone.complete(null);
                } catch (Throwable t) {
                    backDone.completeExceptionally(t);
                }
            });
            MemorySegment entry = arena.allocate(ENTRY_SIZE, 8);
            long start = System.nanoTime();
            long sent = 0;
            long received = 0;
            while (received < pairs) {
                boolean produced = false;
                while (sent < pairs && sent - received < window && !front.isFull()) {
                    entry.set(ValueLayout.JAVA_LONG, 0, sent);
                    front.putRequest(entry);
                    sent++;
                    produced = true;
                }
                if (produced) {
                    front.pushRequests();
                }
                int n = front.unconsumedResponses();
                if (n == 0) {
                    Thread.onSpinWait();
                }
                for (int i = 0; i < n; i++) {
                    front.copyResponse(entry);
                    if (entry.get(ValueLayout.JAVA_LONG, 0) != received) {
                        throw new IllegalStateException("response out of order at " + received);
                    }
                    received++;
                }
            }
            long elapsed = System.nanoTime() - start;
            backThread.join();
            backDone.get();
            return (double) elapsed / pairs;
        }
    }

    /** The physical floor: two threads passing a counter through one AtomicLong. */
    private static double floorPingPong(int pairs) throws InterruptedException {
        AtomicLong word = new AtomicLong();
        Thread responder = Thread.ofPlatform().name("bench-floor-back").start(() -> {
            for (long i = 0; i < pairs; i++) {
                long odd = 2 * i + 1;
                while (word.get() != odd) {
                    Thread.onSpinWait();
                }
                word.set(odd + 1);
            }
        });
        long start = System.nanoTime();
        for (long i = 0; i < pairs; i++) {
            word.set(2 * i + 1);
            long even = 2 * i + 2;
            while (word.get() != even) {
                Thread.onSpinWait();
            }
        }
        long elapsed = System.nanoTime() - start;
        responder.join();
        return (double) elapsed / pairs;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
