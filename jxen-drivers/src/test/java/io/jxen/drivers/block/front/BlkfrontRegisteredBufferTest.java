package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkbackConnection;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Registered I/O buffers ({@link BlockBuffer}): reads and writes whose data lies in one name its
 * own grant references (no copy in blkfront), through the real blkback, with and without
 * persistent grants, direct and indirect, striped over queues, replayed after a backend dies;
 * the image and every read equal the model (checksummed). Edge cases: a buffer closed with a
 * request in flight, a view used after close, a buffer granted to another domain.
 */
class BlkfrontRegisteredBufferTest {

    private static final int DISK = 2 << 20;
    private static final int BUFFER = 256 * 1024;

    @ParameterizedTest(name = "persistent {0}, indirect segments {1}")
    @CsvSource({"true,32", "false,32", "true,0", "false,0"})
    void registeredTransfersNameTheBuffersGrantsAndTheDataStaysRight(boolean persistent, int indirect) {
        Seeds.run(seed -> {
            System.out.println("BlkfrontRegisteredBufferTest seed " + seed);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, indirect);
                Blkback back = host.backend(disk, profile, "blkback.1.51712", persistent ? 160 : 0);
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, indirect, persistent, host.waiter());
                BlkifTestHost.connect(guest, front, back, persistent, persistent);
                BlockBuffer buffer = front.allocateBuffer(BUFFER);
                assertThat(buffer.sizeBytes()).isEqualTo(BUFFER);
                ByteBuffer view = buffer.buffer();
                for (int i = 0; i < BUFFER; i++) {
                    assertThat(view.get(i)).as("zeroed before the grant").isZero();
                }
                byte[] model = new byte[DISK];
                Random random = new Random(seed);
                int chunk = Math.max(11, indirect) * 4096;
                long before = front.registeredTransfers();
                for (int op = 0; op < 150; op++) {
                    int sectors = 1 + random.nextInt(random.nextInt(4) == 0 ? chunk / 512 : 24);
                    int length = sectors * 512;
                    int at = 512 * random.nextInt((BUFFER - length) / 512 + 1); // sub-page offsets too
                    int offset = random.nextInt(DISK / 512 - sectors) * 512;
                    ByteBuffer slice = view.slice(at, length);
                    if (random.nextBoolean()) {
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        slice.put(data).flip();
                        front.write(offset, slice, false);
                        assertThat(slice.hasRemaining()).isFalse();
                        System.arraycopy(data, 0, model, offset, length);
                    } else {
                        front.read(offset, slice);
                        assertThat(slice.hasRemaining()).isFalse();
                        assertThat(crc(view.slice(at, length))).as("read %d+%d at %d", offset, length, at)
                                .isEqualTo(crc(ByteBuffer.wrap(model, offset, length)));
                    }
                }
                assertThat(front.registeredTransfers() - before).as("transfers that took no copy").isPositive();
                if (persistent) {
                    // Same references every time: the backend mapped each buffer page at most once.
                    assertThat(back.persistentHits()).isPositive();
                }
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(model);
                assertThat(back.metrics().errors()).isZero();
                GrantTableClient grants = guest.grantTable();
                int ref = buffer.grantRef(0);
                buffer.close();
                front.close();
                back.disconnect();
                grants.processDeferred();
                assertThat(grants.inUse(ref)).isFalse();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A plain buffer and a registered one side by side: both right; sector-unaligned slices of a buffer are copied. */
    @Test
    void otherBuffersKeepTheCopyPath() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712", 64);
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, true, host.waiter());
            BlkifTestHost.connect(guest, front, back, true, true);
            BlockBuffer buffer = front.allocateBuffer(8192);
            byte[] data = new byte[4096];
            new Random(3).nextBytes(data);
            front.write(0, ByteBuffer.allocateDirect(4096).put(data).flip(), false);
            front.write(4096, ByteBuffer.wrap(data), false);
            assertThat(front.registeredTransfers()).isZero();
            ByteBuffer unaligned = buffer.buffer().slice(100, 4096); // not on a sector of the buffer
            front.read(0, unaligned);
            assertThat(front.registeredTransfers()).isZero();
            byte[] got = new byte[4096];
            buffer.buffer().get(100, got);
            assertThat(got).isEqualTo(data);
            front.read(4096, buffer.buffer().slice(4096, 4096));
            assertThat(front.registeredTransfers()).isEqualTo(1);
            buffer.buffer().get(4096, got);
            assertThat(got).isEqualTo(data);
        }
    }

    /** Striped over two queues: each piece names the same buffer's grants on its own ring. */
    @Test
    void stripedTransfersUseTheBufferOnEveryQueue() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, 256);
            MultiQueueBlkfront front = new MultiQueueBlkfront(guest, guest.grantTable(), 0, 0, 2, 256, true,
                    host.waiter());
            List<FrontendRing> rings = front.connect(BlkifTestHost.features(profile, true));
            List<Blkback> backs = new ArrayList<>();
            for (int q = 0; q < 2; q++) {
                Blkback back = host.backend(disk, profile, "blkback.1.51712.q" + q, 160);
                FrontendRing ring = rings.get(q);
                assertThat(back.connect(new BlkbackConnection(guest.domid(), ring.ringRefs(), ring.eventChannel(),
                        ring.abi(), true))).isTrue();
                backs.add(back);
            }
            front.deviceProperties(BlkifTestHost.features(profile, true));
            BlockBuffer buffer = front.allocateBuffer(1 << 20);
            byte[] data = new byte[1 << 20];
            new Random(5).nextBytes(data);
            ByteBuffer src = buffer.buffer().put(data).flip();
            front.write(1 << 20, src, false);
            buffer.buffer().clear().put(new byte[1 << 20]); // wipe, then read back into the buffer
            front.read(1 << 20, buffer.buffer());
            byte[] got = new byte[1 << 20];
            buffer.buffer().get(got);
            assertThat(crc(ByteBuffer.wrap(got))).isEqualTo(crc(ByteBuffer.wrap(data)));
            for (int q = 0; q < 2; q++) {
                assertThat(front.queues().get(q).registeredTransfers()).as("queue %d", q).isEqualTo(2);
                assertThat(backs.get(q).metrics().errors()).isZero();
            }
            front.flush();
            assertThat(Arrays.copyOfRange(Files.readAllBytes(disk.path()), 1 << 20, 2 << 20)).isEqualTo(data);
        }
    }

    /** The backend dies with registered writes in flight: they are re-sent on the new ring, in order, and land. */
    @ParameterizedTest(name = "persistent {0}")
    @CsvSource({"true", "false"})
    void registeredRequestsReplayAfterTheBackendDies(boolean persistent) throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(1 << 20)) {
            GuestKernel guest = host.boot(2048);
            BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, 32);
            Blkback first = host.backend(disk, profile, "blkback.1.51712", persistent ? 64 : 0);
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, persistent, host.waiter());
            BlkifTestHost.connect(guest, front, first, persistent, persistent);
            BlockBuffer buffer = front.allocateBuffer(40 * 4096);
            ByteBuffer view = buffer.buffer();
            byte[][] expected = new byte[10][];
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 40; i++) { // more than the 32-entry ring: some wait in the queue
                byte[] block = new byte[4096];
                Arrays.fill(block, (byte) (i + 1));
                expected[i % 10] = block;
                ByteBuffer slice = view.slice(i * 4096, 4096).put(block).flip();
                writes.add(front.submitWrite((long) (i % 10) * 4096, slice, false));
            }
            first.disconnect();
            front.backendGone();
            assertThat(front.replayedRequests()).isEqualTo(32);
            Blkback second = host.backend(disk, profile, "blkback.1.51712", persistent ? 64 : 0);
            BlkifTestHost.connect(guest, front, second, persistent, persistent);
            host.waiter().await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
            assertThat(writes).allSatisfy(f -> assertThat(f).isCompleted());
            assertThat(front.registeredTransfers()).isEqualTo(40);
            front.flush();
            byte[] image = Files.readAllBytes(disk.path());
            for (int b = 0; b < 10; b++) {
                assertThat(Arrays.copyOfRange(image, b * 4096, (b + 1) * 4096)).as("block %d", b).isEqualTo(expected[b]);
            }
            assertThat(second.metrics().errors()).isZero();
        }
    }

    /**
     * Closed with a read in flight: the views stop working at once, the read fails with a clear
     * error (not a silent success into pages given back), its grants end only after the backend
     * answered, and a view used afterwards is refused.
     */
    @Test
    void aBufferClosedWithARequestInFlightFailsThatRequestClearly() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(1 << 20)) {
            GuestKernel guest = host.boot(2048);
            GrantTableClient grants = guest.grantTable();
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712");
            Blkfront front = new Blkfront(guest, grants, 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            BlockBuffer buffer = front.allocateBuffer(16384);
            ByteBuffer view = buffer.buffer();
            CompletableFuture<Void> read = front.submitRead(0, view.slice(0, 8192));
            int ref = buffer.grantRef(0);
            buffer.close();
            assertThat(buffer.isOpen()).isFalse();
            assertThatThrownBy(() -> view.get(0)).isInstanceOf(IllegalStateException.class);
            assertThat(grants.flags(ref) & 1).as("still granted while a request names it").isNotZero();
            host.waiter().await(read);
            assertThatThrownBy(read::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("closed while the request was in flight");
            assertThat(grants.flags(ref) & 1).as("grant ended once answered").isZero();
            CompletableFuture<Void> late = front.submitRead(0, view.slice(8192, 4096));
            host.waiter().await(late);
            assertThatThrownBy(late::join).hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("registered buffer that was closed");
            assertThat(back.metrics().errors()).isZero();
        }
    }

    /**
     * A buffer granted to another domain than the device's backend (as after a reconnect to a
     * driver domain elsewhere) is refused with a clear error, never sent.
     */
    @Test
    void aBufferGrantedToAnotherDomainIsRefused() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(1 << 20)) {
            GuestKernel guest = host.boot(2048);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712");
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            RegisteredBuffers elsewhere = new RegisteredBuffers(guest, guest.grantTable(), 7, "xbd0");
            front.useBuffers(elsewhere);
            BlockBuffer buffer = front.allocateBuffer(4096);
            CompletableFuture<Void> read = front.submitRead(0, buffer.buffer());
            host.waiter().await(read);
            assertThatThrownBy(read::join).hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("granted to domain 7, the backend is domain 0");
            assertThat(back.metrics().requests()).isZero();
            buffer.close();
        }
    }

    private static long crc(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        return crc.getValue();
    }
}
