package io.jxen.bench.hv;

import io.jxen.hypercall.Multicall;
import io.jxen.hypercall.transport.RemoteGuestPlatform;

import java.nio.file.Path;
import java.util.List;

/**
 * The guest of {@link MulticallBench} in its own JVM: over its hypercall socket it times 5
 * separate hypercalls against one multicall of the same 5, alternating blocks, and prints
 * {@code separate_ns=N multicall_ns=M} (mean ns per group of 5).
 */
public final class MulticallPeer {

    private MulticallPeer() {
    }

    /** {@code args}: socket path, warm-up groups, measured groups. */
    public static void main(String[] args) throws Exception {
        int warmup = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        try (RemoteGuestPlatform platform = RemoteGuestPlatform.connect(Path.of(args[0]))) {
            var hc = platform.hypercalls(0);
            var mem = platform.memory();
            List<Multicall.Call> calls = MulticallBench.CALLS;
            long[] results = new long[calls.size()];
            long separate = 0;
            long batched = 0;
            int block = 100;
            for (int done = -warmup; done < rounds; done += block) {
                long t0 = System.nanoTime();
                for (int i = 0; i < block; i++) {
                    for (Multicall.Call c : calls) {
                        long rc = hc.hypercall(c.op(), c.args()[0], c.args()[1]);
                        if (rc < 0) {
                            throw new IllegalStateException("call failed: " + rc);
                        }
                    }
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < block; i++) {
                    if (Multicall.run(hc, mem, BenchGuest.LIST, calls, results) != 0) {
                        throw new IllegalStateException("multicall entry failed");
                    }
                }
                long t2 = System.nanoTime();
                if (done >= 0) {
                    separate += t1 - t0;
                    batched += t2 - t1;
                }
            }
            int measured = ((rounds + block - 1) / block) * block;
            System.out.println("separate_ns=" + separate / measured + " multicall_ns=" + batched / measured);
        }
        System.exit(0);
    }
}
