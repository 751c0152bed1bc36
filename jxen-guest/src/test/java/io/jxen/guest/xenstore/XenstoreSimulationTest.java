package io.jxen.guest.xenstore;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.VcpuRunLoop;
import io.jxen.runtime.Agent;
import io.jxen.sim.Seeds;
import io.jxen.sim.SimulationRunner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The xenstore client, its ring daemon, the guest's vCPU run loop and its interrupt threads as
 * agents of a seeded {@link SimulationRunner}: every interleaving comes from the seed (printed
 * on failure), and each request, submitted at seeded moments, gets exactly its own reply.
 */
class XenstoreSimulationTest {

    @Test
    void repliesMatchTheirRequestsUnderSeededInterleavings() {
        Seeds.run(seed -> {
            try (XenstoreRig rig = new XenstoreRig(seed)) {
                SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
                List<CompletableFuture<byte[]>> replies = new ArrayList<>();
                List<String> expected = new ArrayList<>();
                int[] submitted = {0};
                Agent caller = new Agent() {
                    @Override
                    public int doWork() {
                        if (submitted[0] >= 200 || random.nextInt(3) != 0) {
                            return 0;
                        }
                        int i = submitted[0]++;
                        String path = rig.home + "/n" + (i % 17);
                        if (i % 2 == 0) {
                            String value = "w" + i + "-" + "y".repeat(random.nextInt(200));
                            byte[] p = (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
                            byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
                            byte[] payload = new byte[p.length + v.length];
                            System.arraycopy(p, 0, payload, 0, p.length);
                            System.arraycopy(v, 0, payload, p.length, v.length);
                            replies.add(rig.xs.submit(XsMessageTypes.WRITE, 0, payload));
                            expected.add("OK\0");
                        } else {
                            replies.add(rig.xs.submit(XsMessageTypes.GET_DOMAIN_PATH, 0, Integer.toString(i)));
                            expected.add("/local/domain/" + i + "\0");
                        }
                        return 1;
                    }

                    @Override
                    public String roleName() {
                        return "caller";
                    }
                };
                Agent ithreads = new Agent() {
                    @Override
                    public int doWork() {
                        return rig.host.threads.drain();
                    }

                    @Override
                    public String roleName() {
                        return "ithread";
                    }
                };
                SimulationRunner sim = new SimulationRunner(seed)
                        .add(caller).add(rig.xenstored).add(new VcpuRunLoop(rig.guest, 0)).add(ithreads);
                sim.runUntil(() -> submitted[0] == 200 && replies.stream().allMatch(CompletableFuture::isDone),
                        60_000_000_000L);
                for (int i = 0; i < replies.size(); i++) {
                    assertThat(new String(replies.get(i).join(), StandardCharsets.ISO_8859_1))
                            .as("reply %d", i).isEqualTo(expected.get(i));
                }
                assertThat(rig.xs.inFlight()).isZero();
            }
        });
    }
}
