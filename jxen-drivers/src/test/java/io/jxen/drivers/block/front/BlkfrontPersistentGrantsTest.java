package io.jxen.drivers.block.front;

import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.sim.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Persistent grants ({@code feature-persistent}): used only when both ends ask (the 2022 Linux
 * fix "xen-blkback: fix persistent grants negotiation"); then the backend keeps at most its
 * bound of mappings (LRU, evicting when full), the frontend reuses its granted pages, and the
 * disk still equals the model, through a backend restart with replay too.
 */
class BlkfrontPersistentGrantsTest {

    private static final int DISK = 2 << 20;
    private static final int BOUND = 48;

    @ParameterizedTest(name = "frontend asks {0}, backend offers {1}")
    @CsvSource({"true,true", "true,false", "false,true", "false,false"})
    void persistentGrantsOnlyWhenBothAskAndTheDataStaysRight(boolean frontAsks, boolean backOffers) {
        Seeds.run(seed -> {
            System.out.println("BlkfrontPersistentGrantsTest seed " + seed);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                GrantTableClient grants = guest.grantTable();
                BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, 32);
                Blkback back = host.backend(disk, profile, "blkback.1.51712", backOffers ? BOUND : 0);
                Blkfront front = new Blkfront(guest, grants, 0, 0, 32, frontAsks, host.waiter());
                BlkifTestHost.connect(guest, front, back, frontAsks, backOffers);
                boolean both = frontAsks && backOffers;
                assertThat(front.persistentGrants()).isEqualTo(both);
                assertThat(back.persistentGrants()).isEqualTo(both);

                byte[] model = new byte[DISK];
                Random random = new Random(seed);
                workload(front, model, random, 120);
                assertThat(back.persistentMappings()).isLessThanOrEqualTo(BOUND);
                if (both) {
                    assertThat(back.persistentHits()).isPositive();
                    assertThat(front.persistentPoolSize()).isPositive();
                }

                // The backend restarts: the pool is revoked, in-flight requests replay, the data holds.
                ByteBuffer pending = ByteBuffer.wrap(new byte[64 * 1024]);
                random.nextBytes(pending.array());
                var write = front.submitWrite(8192, pending.duplicate(), false);
                System.arraycopy(pending.array(), 0, model, 8192, pending.capacity());
                back.disconnect();
                front.backendGone();
                assertThat(front.persistentPoolSize()).isZero();
                Blkback second = host.backend(disk, profile, "blkback.1.51712", backOffers ? BOUND : 0);
                BlkifTestHost.connect(guest, front, second, frontAsks, backOffers);
                host.waiter().await(write);
                assertThat(write).isCompleted();
                workload(front, model, random, 60);
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(model);
                assertThat(second.persistentMappings()).isLessThanOrEqualTo(BOUND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void workload(Blkfront front, byte[] model, Random random, int operations) throws IOException {
        for (int op = 0; op < operations; op++) {
            int sectors = 1 + random.nextInt(random.nextInt(4) == 0 ? 300 : 32);
            int offset = random.nextInt(DISK / 512 - sectors) * 512;
            int length = sectors * 512;
            if (random.nextBoolean()) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                front.write(offset, ByteBuffer.wrap(data), false);
                System.arraycopy(data, 0, model, offset, length);
            } else {
                ByteBuffer dst = ByteBuffer.allocate(length);
                front.read(offset, dst);
                assertThat(Arrays.equals(dst.array(), 0, length, model, offset, offset + length)).isTrue();
            }
        }
    }
}
