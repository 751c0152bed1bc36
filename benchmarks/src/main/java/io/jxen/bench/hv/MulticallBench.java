package io.jxen.bench.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.hypercall.Multicall;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.SystemClock;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code multicall}: issue 4's context-switch case. A guest in a second JVM reaches the
 * hypervisor over its Unix-socket transport and issues 5 hypercalls (VCPUOP_is_up) as 5
 * separate calls and as one {@code __HYPERVISOR_multicall} of the same 5 (entries written into
 * its memory each time, results read back and checked). The same two in-process, for scale.
 * Target: the multicall at least 3x faster than 5 separate calls across processes.
 */
public final class MulticallBench implements Bench {

    /** The 5 calls: cheap on the hypervisor, so the trap cost dominates. */
    static final List<Multicall.Call> CALLS = List.of(
            new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0),
            new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1),
            new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0),
            new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1),
            new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0));

    @Override
    public String name() {
        return "multicall";
    }

    @Override
    public String description() {
        return "multicall of 5 hypercalls vs 5 separate hypercalls, guest in a second JVM over the socket transport (target >= 3x), and in-process";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        int warmup = quick ? 2_000 : 20_000;
        int rounds = quick ? 5_000 : 100_000;
        Path dir = Files.createTempDirectory("jxen-bench-mc");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 1024)) {
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            hv.createDomain(DomainConfig.of(16, 1));
            Domain d = hv.createDomain(DomainConfig.of(16, 2));
            hv.unpause(d.domid());

            long[] local = inProcess(new BenchGuest(hv.platform(d.domid())), warmup, rounds);
            Map<String, Long> remote;
            try (HypercallServer server = new HypercallServer(hv, d, dir.resolve("guest.sock"))) {
                remote = crossProcess(server.socket(), warmup, rounds);
            }
            long sep = remote.get("separate_ns");
            long mc = remote.get("multicall_ns");
            double ratio = (double) sep / mc;
            double localRatio = (double) local[0] / local[1];
            out.printf("across two JVMs, %d groups of 5: 5 separate calls %d ns, one multicall of 5 %d ns: %.2fx (target >= 3x: %s)%n",
                    rounds, sep, mc, ratio, ratio >= 3 ? "met" : "NOT met");
            out.printf("in process: 5 separate calls %d ns, multicall of 5 %d ns (%.2fx); the multicall hypercall alone, list written once: %d ns%n",
                    local[0], local[1], localRatio, local[2]);
            if (hv.internalErrors() != 0) {
                throw new IllegalStateException("hypervisor internal errors: " + hv.internalErrors());
            }
            return new Figures()
                    .put("groups", rounds)
                    .put("xproc_separate5_ns", sep)
                    .put("xproc_multicall5_ns", mc)
                    .put("ratio_xproc_separate_to_multicall", ratio)
                    .put("target_3x_met", ratio >= 3 ? "yes" : "no")
                    .put("inproc_separate5_ns", local[0])
                    .put("inproc_multicall5_ns", local[1])
                    .put("ratio_inproc_separate_to_multicall", localRatio)
                    .put("inproc_multicall5_prewritten_ns", local[2]);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static long[] inProcess(BenchGuest g, int warmup, int rounds) {
        long[] results = new long[CALLS.size()];
        long separate = 0;
        long batched = 0;
        long bare = 0;
        long bareList = BenchGuest.LIST + 2048;
        Multicall.write(g.mem, bareList, CALLS);
        for (int i = -warmup; i < rounds; i++) {
            long t0 = System.nanoTime();
            for (Multicall.Call c : CALLS) {
                if (g.hc.hypercall(c.op(), c.args()[0], c.args()[1]) < 0) {
                    throw new IllegalStateException("call failed");
                }
            }
            long t1 = System.nanoTime();
            if (Multicall.run(g.hc, g.mem, BenchGuest.LIST, CALLS, results) != 0) {
                throw new IllegalStateException("multicall entry failed");
            }
            long t2 = System.nanoTime();
            if (g.hc.hypercall(Hypercall.MULTICALL, bareList, CALLS.size()) != 0) {
                throw new IllegalStateException("multicall failed");
            }
            long t3 = System.nanoTime();
            if (i >= 0) {
                separate += t1 - t0;
                batched += t2 - t1;
                bare += t3 - t2;
            }
        }
        return new long[] {separate / rounds, batched / rounds, bare / rounds};
    }

    private static Map<String, Long> crossProcess(Path socket, int warmup, int rounds) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process peer = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                MulticallPeer.class.getName(), socket.toString(), Integer.toString(warmup), Integer.toString(rounds)))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            String line;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))) {
                line = r.readLine();
            }
            if (!peer.waitFor(120, TimeUnit.SECONDS) || peer.exitValue() != 0 || line == null) {
                throw new IllegalStateException("multicall peer JVM failed: " + line);
            }
            Map<String, Long> values = new HashMap<>();
            for (String kv : line.trim().split(" ")) {
                String[] p = kv.split("=");
                values.put(p[0], Long.parseLong(p[1]));
            }
            return values;
        } finally {
            peer.destroyForcibly();
            peer.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
