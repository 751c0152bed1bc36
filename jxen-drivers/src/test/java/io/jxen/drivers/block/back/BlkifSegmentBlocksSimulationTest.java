package io.jxen.drivers.block.back;

import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuRunLoop;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Fault;
import io.jxen.sim.Seeds;
import io.jxen.sim.SimulationRunner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FreeBSD's request-size extension in a seeded simulation: dom0's and the guest's vCPU loops,
 * blkback (grant map or grant copy, by seed) and a workload of reads, writes and flushes of 1 to
 * 255 segments with random partial sectors (so 1 to 19 ring slots each, as many in flight as
 * the ring holds) are stepped in a seeded order, each descheduled at random. Every read returns
 * what the model held when it was submitted, every request is answered OKAY, and at the end
 * the image equals the model.
 */
class BlkifSegmentBlocksSimulationTest {

    private static final int DISK = 4 << 20;
    private static final int OPERATIONS = 150;

    @Test
    void theImageEqualsTheModelAfterASeededRunOfMultiSlotRequests() {
        Seeds.run(seed -> {
            System.out.println("BlkifSegmentBlocksSimulationTest seed " + seed);
            SimulationRunner sim = new SimulationRunner(seed);
            Random random = new Random(seed);
            try (BlkifTestHost host = new BlkifTestHost(sim.clock()); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(4096);
                Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 0), "blkback.1.51712")
                        .withRequestSizeExtension(BlkifRequestSizeExtension.offer(1, 255));
                if (random.nextBoolean()) {
                    back.withGrantCopy(host.dom0.pages().allocPage());
                }
                SegmentBlockFrontend front = new SegmentBlockFrontend(guest, guest.grantTable(), 255, 1);
                assertThat(back.connect(front.setUp(0, 1, 255))).isTrue();
                Workload workload = new Workload(front, random);
                sim.add(new VcpuRunLoop(host.dom0, 0)).add(new VcpuRunLoop(guest, 0)).add(back).add(workload);
                for (String role : List.of("blkback.1.51712", "guest-d0-vcpu0", "guest-d1-vcpu0", "workload")) {
                    sim.faults().inject("agent." + role, Fault.DELAY, 0.3);
                }
                sim.addInvariant(workload::check);
                sim.runUntil(workload::finished, 60_000_000_000L);
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(workload.model);
                assertThat(back.metrics().errors()).isZero();
                assertThat(back.metrics().requests()).isEqualTo(OPERATIONS);
                assertThat(workload.maxSlots).as("multi-slot requests ran").isGreaterThan(1);
                assertThat(front.failure()).isNull();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Submits without blocking while the ring has room; checks statuses and read data. */
    private static final class Workload implements Agent {
        final SegmentBlockFrontend front;
        final Random random;
        final byte[] model = new byte[DISK];
        final List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        int submitted;
        int maxSlots;
        int[][] next;

        Workload(SegmentBlockFrontend front, Random random) {
            this.front = front;
            this.random = random;
        }

        @Override
        public int doWork() {
            inFlight.removeIf(CompletableFuture::isDone);
            if (submitted == OPERATIONS) {
                return 0;
            }
            if (next == null) {
                int n = random.nextInt(4) == 0 ? 1 + random.nextInt(11) : 12 + random.nextInt(244);
                next = new int[n][];
                for (int s = 0; s < n; s++) {
                    int first = random.nextInt(3) == 0 ? random.nextInt(8) : 0;
                    next[s] = new int[] {first, random.nextInt(3) == 0 ? first + random.nextInt(8 - first) : 7};
                }
            }
            int slots = BlkifSegmentBlocks.slots(next.length);
            if (front.freeSlots() < slots) {
                return 0; // the ring is full: wait for responses
            }
            int[][] sects = next;
            next = null;
            maxSlots = Math.max(maxSlots, slots);
            int length = 0;
            for (int[] s : sects) {
                length += (s[1] - s[0] + 1) * 512;
            }
            int offset = random.nextInt((DISK - length) / 512) * 512;
            long sector = offset / 512;
            CompletableFuture<Integer> f;
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, offset, length);
                    f = front.submit(BlkifOp.WRITE, sector, sects, data);
                }
                case 2, 3 -> {
                    byte[] expected = Arrays.copyOfRange(model, offset, offset + length);
                    byte[] dst = new byte[length];
                    f = front.submit(BlkifOp.READ, sector, sects, dst);
                    f = f.thenApply(status -> {
                        if (status == BlkifRsp.OKAY && !Arrays.equals(dst, expected)) {
                            failures.add("read of " + sects.length + " segments at " + offset + " differs from the model");
                        }
                        return status;
                    });
                }
                default -> {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, offset, length);
                    f = front.submit(BlkifOp.FLUSH_DISKCACHE, sector, sects, data); // a write with a flush
                }
            }
            int n = sects.length;
            f.whenComplete((status, t) -> {
                if (t != null || status != BlkifRsp.OKAY) {
                    failures.add("request of " + n + " segments: status " + status + " " + t);
                }
            });
            inFlight.add(f);
            submitted++;
            return 1;
        }

        boolean finished() {
            inFlight.removeIf(CompletableFuture::isDone);
            return submitted == OPERATIONS && inFlight.isEmpty();
        }

        void check() {
            if (!failures.isEmpty()) {
                throw new AssertionError(failures.getFirst());
            }
            if (front.failure() != null) {
                throw new AssertionError("frontend: " + front.failure());
            }
        }

        @Override
        public String roleName() {
            return "workload";
        }
    }
}
