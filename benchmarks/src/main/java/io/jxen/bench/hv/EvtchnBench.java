package io.jxen.bench.hv;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.bench.WaitPolicy;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Futex;
import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SystemClock;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code evtchn}: event channel send to handler entry. Two domains joined by an interdomain
 * channel ping-pong: A sends (EVTCHNOP_send from its memory), B's vCPU 0 wakes on its doorbell,
 * finds the port pending in shared_info (handler entry: ack evtchn_upcall_pending, clear the
 * bit) and sends back; one way is half the round trip. Measured with B idle (sleeping in futex,
 * as a blocked vCPU) in process and with B in a second JVM behind the socket transport. The floor in the same run:
 * a bare futex ping-pong between two threads, and between two processes. Then
 * {@link EvtchnBatch}: events per second with many ports pending per upcall, 2-level vs FIFO.
 * Targets (issue 4): p50 under 2 µs in process, under 20 µs across processes.
 */
public final class EvtchnBench implements Bench {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);

    @Override
    public String name() {
        return "evtchn";
    }

    @Override
    public String description() {
        return "evtchn send->handler entry p50/p99 in process and across JVMs vs bare futex ping-pong; events/s with batching, 2-level vs FIFO at 1k/4k/100k ports";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        int warmup = quick ? 2_000 : 20_000;
        int rounds = quick ? 5_000 : 100_000;
        Figures f = new Figures().put("samples", rounds);
        WaitPolicy.record(out, f);
        Path dir = Files.createTempDirectory("jxen-bench-evt");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 1024)) {
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            hv.createDomain(DomainConfig.of(16, 1));

            long[] haltsIn = new long[2];
            long[] haltsX = new long[2];
            Samples floorIn = floorInProcess(warmup, rounds);
            Samples idleIn = inProcess(hv, false, warmup, rounds, haltsIn);
            Samples floorX = floorCrossProcess(warmup, rounds);
            Samples idleX = crossProcess(hv, dir, warmup, rounds, haltsX);
            if (hv.internalErrors() != 0) {
                throw new IllegalStateException("hypervisor internal errors: " + hv.internalErrors());
            }
            report(out, f, "inproc_idle", "in process, B idle (futex wake)", idleIn, floorIn, 2_000);
            report(out, f, "xproc_idle", "across JVMs over the socket transport, B idle", idleX, floorX, 20_000);
            long halts = warmup + rounds + 1L;
            out.printf("A's waits for %d echoes: in process %d halts ended while polling, %d polled then slept; "
                    + "across JVMs %d and %d (the rest slept at once: window closed or no spare core)%n",
                    halts, haltsIn[0], haltsIn[1], haltsX[0], haltsX[1]);
            f.put("inproc_halts_polled", haltsIn[0]).put("inproc_halts_polled_then_slept", haltsIn[1])
                    .put("xproc_halts_polled", haltsX[0]).put("xproc_halts_polled_then_slept", haltsX[1]);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
        EvtchnBatch.run(quick, out, f);
        return f;
    }

    private static void report(PrintStream out, Figures f, String key, String what, Samples s, Samples floor,
                               long targetNs) {
        long p50 = s.percentile(50);
        long p99 = s.percentile(99);
        long fp50 = floor.percentile(50);
        long fp99 = floor.percentile(99);
        boolean met = p50 < targetNs;
        out.printf("send->handler entry, %s: p50 %d ns, p99 %d ns; futex floor p50 %d ns, p99 %d ns; "
                        + "ratio p50 %.2f; target p50 < %d ns: %s%n",
                what, p50, p99, fp50, fp99, (double) p50 / fp50, targetNs, met ? "met" : "NOT met");
        f.put(key + "_ns_p50", p50)
                .put(key + "_ns_p99", p99)
                .put(key + "_floor_ns_p50", fp50)
                .put(key + "_floor_ns_p99", fp99)
                .put(key + "_ratio_p50", (double) p50 / fp50)
                .put(key + "_target_met", met ? "yes" : "no");
    }

    /** Ping-pongs A's port with an echo of B's; samples are half round trips. */
    private static Samples pingPong(BenchGuest a, int portA, boolean poll, int warmup, int rounds, Runnable alive) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long sendArg = BenchGuest.ARG + 64;
        a.prepareSend(sendArg, portA);
        a.awaitEvent(portA, poll, deadline); // B's "ready"
        Samples samples = new Samples(rounds);
        for (int i = 0; i < warmup + rounds; i++) {
            long t0 = System.nanoTime();
            a.send(sendArg);
            a.awaitEvent(portA, poll, deadline);
            long rtt = System.nanoTime() - t0;
            if (i >= warmup) {
                samples.add(rtt / 2);
            }
            if ((i & 1023) == 0) {
                alive.run();
            }
        }
        return samples;
    }

    private static Samples inProcess(Hypervisor hv, boolean poll, int warmup, int rounds, long[] halts) throws Exception {
        Domain da = hv.createDomain(DomainConfig.of(16, 1));
        Domain db = hv.createDomain(DomainConfig.of(16, 1));
        hv.unpause(da.domid());
        hv.unpause(db.domid());
        BenchGuest a = new BenchGuest(hv.platform(da.domid()));
        BenchGuest b = new BenchGuest(hv.platform(db.domid()));
        int portA = a.allocUnbound(db.domid());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread echo = Thread.ofPlatform().name("evtchn-echo").start(() -> {
            try {
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                int portB = b.bindInterdomain(da.domid(), portA);
                long sendArg = BenchGuest.ARG + 64;
                b.prepareSend(sendArg, portB);
                b.send(sendArg);
                for (int i = 0; i < warmup + rounds; i++) {
                    b.awaitEvent(portB, poll, deadline);
                    b.send(sendArg);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            Samples s = pingPong(a, portA, poll, warmup, rounds, () -> {
                if (failure.get() != null) {
                    throw new IllegalStateException("echo guest failed", failure.get());
                }
            });
            halts[0] = a.haltPollWindow.polled();
            halts[1] = a.haltPollWindow.slept();
            return s;
        } finally {
            echo.join(TimeUnit.SECONDS.toMillis(10));
            hv.destroyDomain(da.domid());
            hv.destroyDomain(db.domid());
        }
    }

    private static Samples crossProcess(Hypervisor hv, Path dir, int warmup, int rounds, long[] halts) throws Exception {
        Domain da = hv.createDomain(DomainConfig.of(16, 1));
        Domain db = hv.createDomain(DomainConfig.of(16, 1));
        hv.unpause(da.domid());
        hv.unpause(db.domid());
        BenchGuest a = new BenchGuest(hv.platform(da.domid()));
        int portA = a.allocUnbound(db.domid());
        try (HypercallServer server = new HypercallServer(hv, db, dir.resolve("b.sock"))) {
            Process peer = startPeer("echo", server.socket().toString(), Integer.toString(da.domid()),
                    Integer.toString(portA), Integer.toString(warmup + rounds));
            try {
                Samples s = pingPong(a, portA, false, warmup, rounds, () -> checkAlive(peer));
                halts[0] = a.haltPollWindow.polled();
                halts[1] = a.haltPollWindow.slept();
                awaitExit(peer);
                return s;
            } finally {
                peer.destroyForcibly();
                peer.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            hv.destroyDomain(da.domid());
            hv.destroyDomain(db.domid());
        }
    }

    /** Pings {@code control}'s PING word and waits for its echo in PONG, after the ready handshake. */
    private static Samples floorPings(MemorySegment control, int warmup, int rounds, Runnable alive) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (OrderedAccess.getIntAcquire(control, EvtchnPeer.PONG) != -1) {
            Futex.await(control, EvtchnPeer.PONG, 0, 200_000_000L);
            alive.run();
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("floor echo never became ready");
            }
        }
        Samples samples = new Samples(rounds);
        for (int i = 1; i <= warmup + rounds; i++) {
            long t0 = System.nanoTime();
            OrderedAccess.setIntRelease(control, EvtchnPeer.PING, i);
            Futex.wake(control, EvtchnPeer.PING, 1);
            int pong;
            while ((pong = OrderedAccess.getIntAcquire(control, EvtchnPeer.PONG)) != i) {
                Futex.await(control, EvtchnPeer.PONG, pong, 200_000_000L);
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("floor: no echo before the deadline");
                }
            }
            long rtt = System.nanoTime() - t0;
            if (i > warmup) {
                samples.add(rtt / 2);
            }
            if ((i & 1023) == 0) {
                alive.run();
            }
        }
        return samples;
    }

    private static Samples floorInProcess(int warmup, int rounds) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment control = arena.allocate(4096, 4096);
            control.fill((byte) 0);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread echo = Thread.ofPlatform().name("futex-echo").start(() -> {
                try {
                    EvtchnPeer.floorEcho(control, warmup + rounds, null);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            try {
                return floorPings(control, warmup, rounds, () -> {
                    if (failure.get() != null) {
                        throw new IllegalStateException("floor echo failed", failure.get());
                    }
                });
            } finally {
                echo.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    private static Samples floorCrossProcess(int warmup, int rounds) throws Exception {
        MachineMemory memory = MachineMemory.createTemp(MachineMemory.DEFAULT_DIRECTORY, "jxen-bench-evtchn-", 1);
        try {
            memory.frame(0).fill((byte) 0);
            Process peer = startPeer("floor", memory.file().toString(), Integer.toString(warmup + rounds));
            try {
                Samples s = floorPings(memory.frame(0), warmup, rounds, () -> checkAlive(peer));
                awaitExit(peer);
                return s;
            } finally {
                peer.destroyForcibly();
                peer.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            memory.close();
            memory.delete();
        }
    }

    private static Process startPeer(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(HaltPoll.forClock(SystemClock.INSTANCE).jvmOptions()); // the peer halts as this JVM does
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EvtchnPeer.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static void checkAlive(Process peer) {
        if (!peer.isAlive() && peer.exitValue() != 0) {
            throw new IllegalStateException("peer JVM exited with status " + peer.exitValue());
        }
    }

    private static void awaitExit(Process peer) throws InterruptedException {
        if (!peer.waitFor(30, TimeUnit.SECONDS) || peer.exitValue() != 0) {
            throw new IllegalStateException("peer JVM did not finish cleanly");
        }
    }
}
