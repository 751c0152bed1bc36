package io.jxen.drivers.block.back;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.drivers.block.back.engine.IoBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * blkback's batched turn (persistent grants: every READ/WRITE of a turn in one
 * {@link io.jxen.drivers.block.back.engine.IoBatch}): requests that touch the same sectors, put
 * on the ring together, still take effect in ring order (a read after a write of the same
 * sectors sees the write, a write after a read does not leak into the read), and a flush in the
 * middle of a turn finds the writes before it done. Run on the engine's own batch (io_uring
 * completes cached I/O in order, which would hide a missing rule) and on one that runs a batch
 * last first ({@link IoBatch#lastFirst}), which the batch contract allows.
 */
class BlkbackBatchTest {

    private static final int PAGE = 4096;

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(strings = {"engine", "last-first"})
    void overlappingRequestsOfOneTurnTakeEffectInRingOrder(String batches) throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(1 << 20)) {
            GuestKernel guest = host.boot(2048);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712", 64);
            if (batches.equals("last-first")) {
                back.withBatchFactory(IoBatch::lastFirst);
            }
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, true, host.waiter());
            BlkifTestHost.connect(guest, front, back, true, true);
            assertThat(back.persistentGrants()).isTrue();
            Random random = new Random(3);
            byte[] model = new byte[1 << 20];
            for (int round = 0; round < 8; round++) {
                // Everything is submitted before blkback runs: one turn takes the whole lot.
                List<CompletableFuture<Void>> all = new ArrayList<>();
                List<ByteBuffer> reads = new ArrayList<>();
                List<byte[]> expected = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    int offset = random.nextInt(8) * PAGE; // a few pages hit again and again
                    int length = (1 + random.nextInt(3)) * PAGE;
                    if (random.nextBoolean()) {
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        System.arraycopy(data, 0, model, offset, length);
                        all.add(front.submitWrite(offset, ByteBuffer.wrap(data), false));
                    } else {
                        ByteBuffer into = ByteBuffer.allocate(length);
                        reads.add(into);
                        expected.add(Arrays.copyOfRange(model, offset, offset + length));
                        all.add(front.submitRead(offset, into));
                    }
                    if (i == 12) {
                        all.add(front.submitFlush()); // runs alone, after the batch before it
                    }
                }
                long turnsBefore = back.metrics().requests();
                host.waiter().await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
                all.forEach(CompletableFuture::join);
                assertThat(back.metrics().requests() - turnsBefore).isEqualTo(25);
                for (int r = 0; r < reads.size(); r++) {
                    assertThat(reads.get(r).array()).as("round %d read %d", round, r).isEqualTo(expected.get(r));
                }
            }
            assertThat(back.metrics().errors()).isZero();
            ByteBuffer whole = ByteBuffer.allocate(16 * PAGE);
            front.read(0, whole);
            assertThat(whole.array()).isEqualTo(Arrays.copyOf(model, 16 * PAGE));
        }
    }
}
