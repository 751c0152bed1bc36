package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ring replay: the backend goes away with requests in flight (answered or not), a new backend
 * connects, and every request is done exactly once more than zero times: answered ones are
 * taken off the old ring, unanswered ones are re-sent in order. 40 writes (more than the
 * 32-entry ring, so some still wait in the frontend's queue) cycle over 10 blocks, so a
 * reordered replay would leave the wrong block contents.
 */
class BlkfrontReplayTest {

    private static final int WRITES = 40;
    private static final int BLOCKS = 10;

    @Test
    void requestsTheOldBackendNeverSawAreReplayedInOrder() throws IOException {
        run(false);
    }

    @Test
    void requestsTheOldBackendAnsweredAreNotDoneTwice() throws IOException {
        run(true);
    }

    private static void run(boolean oldBackendServes) throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(1 << 20)) {
            GuestKernel guest = host.boot(1024);
            GrantTableClient grants = guest.grantTable();
            Blkback first = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712");
            Blkfront front = new Blkfront(guest, grants, 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, first);

            byte[][] expected = new byte[BLOCKS][];
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int i = 0; i < WRITES; i++) {
                byte[] block = new byte[4096];
                Arrays.fill(block, (byte) (i + 1));
                expected[i % BLOCKS] = block;
                futures.add(front.submitWrite((long) (i % BLOCKS) * 4096, ByteBuffer.wrap(block), false));
            }
            assertThat(front.inFlight()).isEqualTo(WRITES);
            if (oldBackendServes) {
                first.doWork(); // answers the 32 on the ring; the guest has not taken the responses yet
                assertThat(first.metrics().requests()).isEqualTo(32);
            }
            first.disconnect(); // the backend dies
            front.backendGone();
            long answeredByFirst = first.metrics().requests();
            assertThat(front.replayedRequests()).isEqualTo(oldBackendServes ? 0 : 32);
            assertThat(futures.stream().filter(CompletableFuture::isDone).count()).isEqualTo(answeredByFirst);

            Blkback second = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712");
            BlkifTestHost.connect(guest, front, second);
            host.waiter().await(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)));
            assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
            assertThat(answeredByFirst + second.metrics().requests()).as("each write done exactly once")
                    .isEqualTo(WRITES);
            front.flush();
            byte[] image = Files.readAllBytes(disk.path());
            for (int b = 0; b < BLOCKS; b++) {
                assertThat(Arrays.copyOfRange(image, b * 4096, (b + 1) * 4096)).as("block %d", b).isEqualTo(expected[b]);
            }
            assertThat(front.inFlight()).isZero();
        }
    }
}
