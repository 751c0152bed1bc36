package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole PV path in a seeded simulation: dom0's and the guest's vCPU loops, the backend
 * and a workload agent (asynchronous reads, writes, FUA writes, flushes and discards, up to 48
 * in flight, more than the ring holds) are stepped in a seeded order, each agent descheduled at
 * random. Every read returns what the model held when it was submitted (the backend serves the
 * ring in order), and at the end the image equals the model.
 */
class BlkifSimulationTest {

    private static final int DISK = 2 << 20;
    private static final int OPERATIONS = 300;

    @Test
    void theImageEqualsTheModelAfterASeededRunWithDeschedules() {
        Seeds.run(seed -> {
            System.out.println("BlkifSimulationTest seed " + seed);
            SimulationRunner sim = new SimulationRunner(seed);
            try (BlkifTestHost host = new BlkifTestHost(sim.clock()); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 64), "blkback.1.51712");
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32,
                        future -> sim.runUntil(future::isDone, 10_000_000_000L));
                BlkifTestHost.connect(guest, front, back);
                Workload workload = new Workload(front, new Random(seed));
                sim.add(new VcpuRunLoop(host.dom0, 0)).add(new VcpuRunLoop(guest, 0)).add(back).add(workload);
                for (String role : List.of("blkback.1.51712", "guest-d0-vcpu0", "guest-d1-vcpu0", "workload")) {
                    sim.faults().inject("agent." + role, Fault.DELAY, 0.3);
                }
                sim.addInvariant(workload::check);
                sim.runUntil(workload::finished, 60_000_000_000L);
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(workload.model);
                assertThat(back.metrics().errors()).isZero();
                assertThat(guest.intr().count("xbd0")).isPositive();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Submits operations without blocking and checks each read against the model at submission. */
    private static final class Workload implements Agent {
        final Blkfront front;
        final Random random;
        final byte[] model = new byte[DISK];
        final List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        int submitted;

        Workload(Blkfront front, Random random) {
            this.front = front;
            this.random = random;
        }

        @Override
        public int doWork() throws IOException {
            inFlight.removeIf(CompletableFuture::isDone);
            if (submitted == OPERATIONS || inFlight.size() >= 48) {
                return 0;
            }
            int sectors = 1 + random.nextInt(random.nextInt(5) == 0 ? 400 : 24);
            int offset = random.nextInt(DISK / 512 - sectors) * 512;
            int length = sectors * 512;
            CompletableFuture<Void> f = switch (random.nextInt(7)) {
                case 0, 1, 2 -> {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, offset, length);
                    yield front.submitWrite(offset, ByteBuffer.wrap(data), random.nextInt(6) == 0);
                }
                case 3, 4 -> {
                    byte[] expected = Arrays.copyOfRange(model, offset, offset + length);
                    ByteBuffer dst = ByteBuffer.allocate(length);
                    int at = offset;
                    yield front.submitRead(offset, dst).thenRun(() -> {
                        if (!Arrays.equals(dst.array(), expected)) {
                            failures.add("read of " + length + " bytes at " + at + " differs from the model");
                        }
                    });
                }
                case 5 -> front.submitFlush();
                default -> {
                    Arrays.fill(model, offset, offset + length, (byte) 0);
                    yield front.submitDiscard(offset, length);
                }
            };
            f.whenComplete((v, t) -> {
                if (t != null) {
                    failures.add("operation failed: " + t);
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
        }

        @Override
        public String roleName() {
            return "workload";
        }
    }
}
