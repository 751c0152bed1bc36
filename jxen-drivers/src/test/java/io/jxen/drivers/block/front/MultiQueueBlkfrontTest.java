package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkbackConnection;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.sim.Seeds;
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
 * Multi-queue: four rings to four backend rings over one image. Every queue carries requests
 * and interrupts of its own ({@code xbd0-q<i>}), bursts of asynchronous writes to disjoint
 * ranges spread over all queues, and the image equals the model at the end.
 */
class MultiQueueBlkfrontTest {

    private static final int DISK = 2 << 20;
    private static final int QUEUES = 4;

    @Test
    void fourQueuesShareTheDiskAndTheImageEqualsTheModel() {
        Seeds.run(seed -> {
            System.out.println("MultiQueueBlkfrontTest seed " + seed);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                List<Blkback> backs = new ArrayList<>();
                MultiQueueBlkfront front = connectQueues(host, guest, disk, backs);
                byte[] model = new byte[DISK];
                Random random = new Random(seed);
                for (int round = 0; round < 20; round++) {
                    // A burst of writes to disjoint 64 KiB slots, all in flight at once.
                    List<CompletableFuture<Void>> burst = new ArrayList<>();
                    int slots = DISK / 65536;
                    int first = random.nextInt(slots - 8);
                    for (int s = first; s < first + 8; s++) {
                        byte[] data = new byte[65536];
                        random.nextBytes(data);
                        System.arraycopy(data, 0, model, s * 65536, data.length);
                        burst.add(front.submitWrite((long) s * 65536, ByteBuffer.wrap(data), false));
                    }
                    host.waiter().await(CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)));
                    assertThat(burst).allSatisfy(f -> assertThat(f).isCompleted());
                    int sectors = 1 + random.nextInt(200);
                    int offset = random.nextInt(DISK / 512 - sectors) * 512;
                    ByteBuffer dst = ByteBuffer.allocate(sectors * 512);
                    front.read(offset, dst);
                    assertThat(Arrays.equals(dst.array(), 0, dst.capacity(), model, offset, offset + dst.capacity()))
                            .isTrue();
                    if (round % 5 == 0) {
                        front.flush();
                    }
                }
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(model);
                for (int q = 0; q < QUEUES; q++) {
                    assertThat(guest.intr().count("xbd0-q" + q)).as("queue %d interrupts", q).isPositive();
                    assertThat(backs.get(q).metrics().requests()).as("queue %d requests", q).isPositive();
                    assertThat(backs.get(q).metrics().errors()).isZero();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A transfer of STRIPE_MIN_BYTES or more is cut into one piece per queue; the data lands where it belongs. */
    @Test
    void largeTransfersAreStripedOverEveryQueue() {
        Seeds.run(seed -> {
            System.out.println("MultiQueueBlkfrontTest striping seed " + seed);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                List<Blkback> backs = new ArrayList<>();
                MultiQueueBlkfront front = connectQueues(host, guest, disk, backs);
                Random random = new Random(seed);
                // Sector-aligned, not page-aligned in length: the last piece is shorter.
                int length = MultiQueueBlkfront.STRIPE_MIN_BYTES + 512 * (1 + random.nextInt(500));
                int offset = 512 * random.nextInt((DISK - length) / 512);
                byte[] data = new byte[length];
                random.nextBytes(data);
                ByteBuffer src = ByteBuffer.wrap(data);
                front.write(offset, src, true);
                assertThat(src.hasRemaining()).isFalse();
                for (int q = 0; q < QUEUES; q++) {
                    assertThat(backs.get(q).metrics().bytesWritten()).as("queue %d bytes", q).isPositive();
                }
                ByteBuffer dst = ByteBuffer.allocate(length);
                front.read(offset, dst);
                assertThat(dst.hasRemaining()).isFalse();
                assertThat(dst.array()).isEqualTo(data);
                byte[] image = Files.readAllBytes(disk.path());
                assertThat(Arrays.copyOfRange(image, offset, offset + length)).isEqualTo(data);
                long read = 0;
                for (Blkback back : backs) {
                    assertThat(back.metrics().bytesRead()).isPositive();
                    read += back.metrics().bytesRead();
                }
                assertThat(read).isEqualTo(length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A QUEUES-queue blkfront of {@code guest} on {@code disk}, one connected blkback per queue into {@code backs}. */
    private static MultiQueueBlkfront connectQueues(BlkifTestHost host, GuestKernel guest, FileEngine disk,
            List<Blkback> backs) throws IOException {
        BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, 32);
        MultiQueueBlkfront front = new MultiQueueBlkfront(guest, guest.grantTable(), 0, 0, QUEUES, 32,
                false, host.waiter());
        List<FrontendRing> rings = front.connect(BlkifTestHost.features(profile));
        for (int q = 0; q < QUEUES; q++) {
            Blkback back = host.backend(disk, profile, "blkback.1.51712.q" + q);
            FrontendRing ring = rings.get(q);
            assertThat(back.connect(new BlkbackConnection(guest.domid(), ring.ringRefs(), ring.eventChannel(),
                    ring.abi()))).isTrue();
            backs.add(back);
        }
        front.deviceProperties(BlkifTestHost.features(profile)); // every queue's backend is Connected
        return front;
    }
}
