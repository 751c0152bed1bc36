package io.jxen.bench.ring;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Doorbell;
import io.jxen.memory.futex.Futex;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code ring-futex}: a front end here and a back end in a second JVM on one memory file in
 * /dev/shm, one request in flight, each side sleeping in futex until the other notifies
 * (ring.h's push-and-check-notify, then a doorbell). A round trip is two notify-to-wake hops
 * plus the ring work. Compared in the same run with the floor: a bare futex ping-pong
 * between the same two processes (store, FUTEX_WAKE; FUTEX_WAIT until the echo).
 */
public final class RingFutexBench implements Bench {

    private static final long SLICE_NANOS = 200_000_000L;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);

    @Override
    public String name() {
        return "ring-futex";
    }

    @Override
    public String description() {
        return "ring round trip between two JVMs woken by futex (p50/p99) vs a bare futex ping-pong between two processes";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        int warmup = quick ? 2_000 : 20_000;
        int rounds = quick ? 10_000 : 200_000;
        MachineMemory memory = MachineMemory.createTemp(MachineMemory.DEFAULT_DIRECTORY, "jxen-bench-ring-",
                RingFutexLayout.FRAMES);
        try {
            Latencies ring = runPeer(memory, "ring", () -> ringRoundTrips(memory, warmup, rounds));
            Latencies floor = runPeer(memory, "floor", () -> floorRoundTrips(memory, warmup, rounds));
            long ringP50 = ring.percentile(50);
            long ringP99 = ring.percentile(99);
            long floorP50 = floor.percentile(50);
            long floorP99 = floor.percentile(99);
            out.printf("round trip across two JVMs, %d samples: ring p50 %d ns, p99 %d ns; bare futex p50 %d ns, p99 %d ns%n",
                    rounds, ringP50, ringP99, floorP50, floorP99);
            out.printf("notify->wake (half a round trip): ring p50 %d ns; ratios ring/floor p50 %.2f, p99 %.2f%n",
                    ringP50 / 2, (double) ringP50 / floorP50, (double) ringP99 / floorP99);
            return new Figures()
                    .put("samples", rounds)
                    .put("ring_roundtrip_ns_p50", ringP50)
                    .put("ring_roundtrip_ns_p99", ringP99)
                    .put("floor_roundtrip_ns_p50", floorP50)
                    .put("floor_roundtrip_ns_p99", floorP99)
                    .put("ring_notify_wake_ns_p50", ringP50 / 2)
                    .put("ratio_p50", (double) ringP50 / floorP50)
                    .put("ratio_p99", (double) ringP99 / floorP99);
        } finally {
            memory.delete();
        }
    }

    private interface Measurement {
        Latencies run() throws Exception;
    }

    /** Starts the peer JVM in {@code mode}, waits until it is ready, measures, stops it. */
    private static Latencies runPeer(MachineMemory memory, String mode, Measurement measurement) throws Exception {
        MemorySegment control = memory.frame(0);
        control.fill((byte) 0);
        memory.frame(1).fill((byte) 0);
        // The front end initialises the shared ring (SHARED_RING_INIT) before the back attaches.
        new SharedRing(memory.frame(1), RingFutexLayout.ENTRY_SIZE).init();
        Doorbell ready = new Doorbell(control, RingFutexLayout.READY_BELL);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process peer = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                RingFutexPeer.class.getName(), memory.file().toString(), mode))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Peer.current = peer;
        try {
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (ready.rings() == 0) {
                ready.await(0, SLICE_NANOS);
                Peer.check(deadline);
            }
            Latencies latencies = measurement.run();
            OrderedAccess.setIntRelease(control, RingFutexLayout.STOP, 1);
            new Doorbell(control, RingFutexLayout.REQUEST_BELL).ring();
            OrderedAccess.getAndAddInt(control, RingFutexLayout.FLOOR_PING, 1);
            Futex.wakeAll(control, RingFutexLayout.FLOOR_PING);
            if (!peer.waitFor(10, TimeUnit.SECONDS) || peer.exitValue() != 0) {
                throw new IllegalStateException("peer JVM (" + mode + ") did not stop cleanly");
            }
            return latencies;
        } finally {
            peer.destroyForcibly();
            peer.waitFor(10, TimeUnit.SECONDS);
            Peer.current = null;
        }
    }

    private static Latencies ringRoundTrips(MachineMemory memory, int warmup, int rounds) {
        MemorySegment control = memory.frame(0);
        Doorbell requests = new Doorbell(control, RingFutexLayout.REQUEST_BELL);
        Doorbell responses = new Doorbell(control, RingFutexLayout.RESPONSE_BELL);
        FrontRing front = FrontRing.attach(new SharedRing(memory.frame(1), RingFutexLayout.ENTRY_SIZE), 0);
        Latencies latencies = new Latencies(rounds);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(RingFutexLayout.ENTRY_SIZE, 8);
            for (int i = 0; i < warmup + rounds; i++) {
                long start = System.nanoTime();
                entry.set(ValueLayout.JAVA_LONG, 0, i);
                front.putRequest(entry);
                if (front.pushRequestsAndCheckNotify()) {
                    requests.ring();
                }
                while (true) {
                    int seen = responses.rings();
                    if (front.unconsumedResponses() > 0) {
                        break;
                    }
                    if (!front.finalCheckForResponses()) {
                        responses.await(seen, SLICE_NANOS);
                        Peer.check(deadline);
                    }
                }
                front.copyResponse(entry);
                long elapsed = System.nanoTime() - start;
                if (entry.get(ValueLayout.JAVA_LONG, 0) != i) {
                    throw new IllegalStateException("response " + i + " lost or out of order");
                }
                if (i >= warmup) {
                    latencies.add(elapsed);
                }
            }
        }
        return latencies;
    }

    private static Latencies floorRoundTrips(MachineMemory memory, int warmup, int rounds) {
        MemorySegment control = memory.frame(0);
        Latencies latencies = new Latencies(rounds);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (int i = 1; i <= warmup + rounds; i++) {
            long start = System.nanoTime();
            OrderedAccess.setIntRelease(control, RingFutexLayout.FLOOR_PING, i);
            Futex.wake(control, RingFutexLayout.FLOOR_PING, 1);
            int pong;
            while ((pong = OrderedAccess.getIntAcquire(control, RingFutexLayout.FLOOR_PONG)) != i) {
                Futex.await(control, RingFutexLayout.FLOOR_PONG, pong, SLICE_NANOS);
                Peer.check(deadline);
            }
            long elapsed = System.nanoTime() - start;
            if (i > warmup) {
                latencies.add(elapsed);
            }
        }
        return latencies;
    }

    /** The peer JVM of the measurement under way, for liveness checks while waiting. */
    private static final class Peer {
        static volatile Process current;

        static void check(long deadline) {
            Process peer = current;
            if (peer != null && !peer.isAlive()) {
                throw new IllegalStateException("peer JVM exited with status " + peer.exitValue());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("ring-futex: no progress before the deadline");
            }
        }
    }
}
