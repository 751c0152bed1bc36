package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.sim.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BlkfrontBlkbackTest {

    private static final int DISK_BYTES = 4 << 20;

    /**
     * The frontend's grants in v1 entries, then in v2 entries with status frames, and the
     * frontend's events on the 2-level ABI, then on the FIFO one.
     */
    @ParameterizedTest(name = "grant table v{0}, fifo={1}")
    @CsvSource({"1, false", "2, false", "2, true"})
    void aRandomWorkloadLeavesTheImageEqualToTheModel(int grantTableVersion, boolean fifo) {
        run(false, grantTableVersion, fifo);
    }

    @ParameterizedTest(name = "grant table v{0}, fifo={1}")
    @CsvSource({"1, false", "2, false", "2, true"})
    void theSameWorkloadWithGrantCopyInsteadOfGrantMap(int grantTableVersion, boolean fifo) {
        run(true, grantTableVersion, fifo);
    }

    private static void run(boolean grantCopy, int grantTableVersion, boolean fifo) {
        Seeds.run(seed -> {
            System.out.println("BlkfrontBlkbackTest seed " + seed + " grant table v" + grantTableVersion + " fifo " + fifo);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK_BYTES)) {
                GuestKernel guest = host.boot(2048, grantTableVersion, fifo);
                Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 256), "blkback.1.51712");
                if (grantCopy) {
                    back.withGrantCopy(host.dom0.pages().allocPage());
                }
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
                BlkifTestHost.connect(guest, front, back);
                assertThat(front.maxIndirectSegments()).isEqualTo(32);
                assertThat(host.hv.byId(guest.domid()).grantTable().version()).isEqualTo(grantTableVersion);
                assertThat(guest.intr().fifo()).isEqualTo(fifo);
                assertThat(front.sizeBytes()).isEqualTo(DISK_BYTES);

                byte[] model = new byte[DISK_BYTES];
                Random random = new Random(seed);
                for (int op = 0; op < 200; op++) {
                    int sectors = 1 + random.nextInt(random.nextInt(4) == 0 ? 600 : 40);
                    long sector = random.nextInt(DISK_BYTES / 512 - sectors);
                    int offset = (int) sector * 512;
                    int length = sectors * 512;
                    switch (random.nextInt(6)) {
                        case 0, 1 -> {
                            byte[] data = new byte[length];
                            random.nextBytes(data);
                            front.write(offset, ByteBuffer.wrap(data), random.nextInt(8) == 0);
                            System.arraycopy(data, 0, model, offset, length);
                        }
                        case 2, 3 -> {
                            ByteBuffer dst = ByteBuffer.allocate(length);
                            front.read(offset, dst);
                            assertThat(dst.position()).isEqualTo(length);
                            assertThat(Arrays.equals(dst.array(), 0, length, model, offset, offset + length))
                                    .as("read of %d sectors at %d", sectors, sector).isTrue();
                        }
                        case 4 -> front.flush();
                        default -> {
                            front.discard(offset, length);
                            Arrays.fill(model, offset, offset + length, (byte) 0);
                        }
                    }
                }
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(model);
                ByteBuffer all = ByteBuffer.allocate(DISK_BYTES);
                front.read(0, all);
                assertThat(all.array()).isEqualTo(model);
                assertThat(guest.intr().count("xbd0")).isPositive();
                assertThat(back.metrics().errors()).isZero();
                assertThat(back.metrics().requests()).isGreaterThanOrEqualTo(200);
                assertThat(back.state()).isEqualTo(Blkback.State.CONNECTED);
                assertThat(front.inFlight()).isZero();
                assertThat(back.grantCopy()).isEqualTo(grantCopy);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
