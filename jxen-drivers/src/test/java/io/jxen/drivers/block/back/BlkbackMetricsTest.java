package io.jxen.drivers.block.back;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Per-device metrics after a known workload: requests, bytes each way, errors, ring-full turns,
 * batch-limited turns and latency on the virtual clock, for the synchronous and the pipelined
 * backend; and two devices count apart.
 */
class BlkbackMetricsTest {

    private static final int DISK = 1 << 20;
    private static final long BAD_OFFSET = 512 * 1024;

    @Test
    void countersMatchAKnownWorkloadAndDevicesCountApart() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK);
             FileEngine other = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            GrantTableClient grants = guest.grantTable();
            BadSector disk = new BadSector(file);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(file, 32), "blkback.1.51712");
            Blkback quiet = host.backend(other, BlkifDeviceProfile.of(other, 32), "blkback.1.51728");
            Blkfront front = new Blkfront(guest, grants, 0, 0, 32, host.waiter());
            Blkfront otherFront = new Blkfront(guest, grants, 0, 1, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            BlkifTestHost.connect(guest, otherFront, quiet);

            // 64 writes at once: the 32-entry ring fills, the backend finds it full.
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                writes.add(front.submitWrite(i * 4096L, ByteBuffer.wrap(new byte[4096]), false));
            }
            host.waiter().await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
            for (int i = 0; i < 10; i++) {
                front.read(i * 8192L, ByteBuffer.allocate(8192));
            }
            front.flush();
            assertThatThrownBy(() -> front.read(BAD_OFFSET, ByteBuffer.allocate(4096))).isInstanceOf(IOException.class);

            BlkbackMetrics m = back.metrics();
            assertThat(m.requests()).isEqualTo(64 + 10 + 1 + 1);
            assertThat(m.bytesWritten()).isEqualTo(64 * 4096);
            assertThat(m.bytesRead()).isEqualTo(10 * 8192);
            assertThat(m.errors()).isEqualTo(1);
            assertThat(m.rejections()).isZero();
            assertThat(m.ringFull()).isPositive();
            assertThat(m.batchLimited()).isZero(); // 32 at most per turn, under the limit of 64
            assertThat(m.notifications()).isPositive();
            assertThat(m.toString()).contains("requests=76", "errors=1", "written_bytes=262144");
            assertThat(quiet.metrics().requests()).isZero();
            assertThat(quiet.metrics().ringFull()).isZero();
        }
    }

    @Test
    void latencyIsMeasuredFromCopyOutToResponse() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            DeferredEngine engine = new DeferredEngine(file);
            GuestKernel guest = host.boot(1024);
            Blkback back = host.backend(engine, BlkifDeviceProfile.of(file, 32), "blkback.1.51712").withPipelining(4)
                    .withBatchLimit(2);
            Random random = new Random(3);
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, future -> {
                while (!future.isDone()) {
                    host.step();
                    host.clock.advance(1_000_000); // every engine operation takes at least 1 ms
                    engine.completeOne(random);
                }
            });
            BlkifTestHost.connect(guest, front, back);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                writes.add(front.submitWrite(i * 4096L, ByteBuffer.wrap(new byte[4096]), false));
            }
            for (CompletableFuture<Void> w : writes) {
                front.flush(); // also waits; the writes complete on the way
                w.join();
            }
            BlkbackMetrics m = back.metrics();
            assertThat(m.requests()).isEqualTo(16 + 16);
            assertThat(m.latencyNanosMax()).isGreaterThanOrEqualTo(2_000_000);
            assertThat(m.latencyNanosMean()).isGreaterThanOrEqualTo(1_000_000);
            assertThat(m.latencyNanosTotal()).isGreaterThanOrEqualTo(32 * 1_000_000L);
            assertThat(m.inFlightMax()).isEqualTo(4);
            assertThat(m.batchLimited()).isPositive();
        }
    }

    /** A disk whose sector at {@link #BAD_OFFSET} cannot be read (a media error). */
    private static final class BadSector implements BlockDevice {
        private final BlockDevice under;

        BadSector(BlockDevice under) {
            this.under = under;
        }

        @Override
        public long sizeBytes() {
            return under.sizeBytes();
        }

        @Override
        public boolean readOnly() {
            return under.readOnly();
        }

        @Override
        public Set<BlockCapability> capabilities() {
            return under.capabilities();
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) throws IOException {
            if (offsetBytes <= BAD_OFFSET && BAD_OFFSET < offsetBytes + dst.remaining()) {
                throw new IOException("media error at " + BAD_OFFSET);
            }
            under.read(offsetBytes, dst);
        }

        @Override
        public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
            under.write(offsetBytes, src, fua);
        }

        @Override
        public void flush() throws IOException {
            under.flush();
        }

        @Override
        public void discard(long offsetBytes, long lengthBytes) throws IOException {
            under.discard(offsetBytes, lengthBytes);
        }

        @Override
        public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua)
                throws IOException {
            under.writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua);
        }

        @Override
        public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
            return under.allocation(offsetBytes, lengthBytes);
        }

        @Override
        public void close() {
        }
    }
}
