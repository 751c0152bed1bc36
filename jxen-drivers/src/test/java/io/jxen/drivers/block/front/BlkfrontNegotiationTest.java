package io.jxen.drivers.block.front;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.UnsupportedBlockOperationException;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every combination of an old or new frontend with an old, barrier-only, flush-only or new
 * backend: the frontend settles on the lesser of both sides (the original protocol's values
 * where the backend wrote nothing), and a 1 MiB write, FUA write, flush, discard (when offered)
 * and read-back work in every combination.
 */
class BlkfrontNegotiationTest {

    private static final int DISK = 4 << 20;

    /** A backend generation: which keys it writes. */
    enum Backend {
        /** Only sectors/info/sector-size: no flush, barrier, discard or indirect. */
        ORIGINAL(false, false, false, 0),
        /** feature-barrier only (blktap3's tapback). */
        BARRIER_ONLY(false, true, false, 0),
        /** feature-flush-cache and discard, indirect capped at 11 (which Linux ignores). */
        FLUSH_NO_INDIRECT(true, false, true, 11),
        /** Everything, indirect up to 256 (Linux blkback's numbers). */
        NEW(true, true, true, 256);

        final boolean flush;
        final boolean barrier;
        final boolean discard;
        final int indirect;

        Backend(boolean flush, boolean barrier, boolean discard, int indirect) {
            this.flush = flush;
            this.barrier = barrier;
            this.discard = discard;
            this.indirect = indirect;
        }
    }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (int frontendIndirect : new int[] {0, 32, 512}) {
            for (Backend b : Backend.values()) {
                all.add(Arguments.of(frontendIndirect, b));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "frontend indirect {0}, backend {1}")
    @MethodSource("combinations")
    void bothSidesSettleOnTheLesserAndIoWorks(int frontendIndirect, Backend kind) throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            BlkifDeviceProfile profile = new BlkifDeviceProfile(DISK / 512, 512, false, kind.flush, kind.barrier,
                    kind.discard, false, kind.indirect);
            Blkback back = host.backend(disk, profile, "blkback.1.51712");
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, frontendIndirect, host.waiter());
            BlkifTestHost.connect(guest, front, back);

            int expectedIndirect = kind.indirect <= 11 ? 0 : Math.min(frontendIndirect, kind.indirect);
            assertThat(front.maxIndirectSegments()).isEqualTo(expectedIndirect);
            assertThat(front.capabilities().contains(BlockCapability.FLUSH)).isEqualTo(kind.flush || kind.barrier);
            assertThat(front.capabilities().contains(BlockCapability.DISCARD)).isEqualTo(kind.discard);

            byte[] data = new byte[1 << 20];
            new Random(frontendIndirect * 31L + kind.ordinal()).nextBytes(data);
            front.write(8192, ByteBuffer.wrap(data), false);
            front.write(0, ByteBuffer.wrap(data, 0, 4096), true);
            front.flush();
            if (kind.discard) {
                front.discard(8192, 4096);
                java.util.Arrays.fill(data, 0, 4096, (byte) 0);
            } else {
                assertThatThrownBy(() -> front.discard(8192, 4096)).isInstanceOf(UnsupportedBlockOperationException.class);
            }
            ByteBuffer back1 = ByteBuffer.allocate(data.length);
            front.read(8192, back1);
            assertThat(back1.array()).isEqualTo(data);
            byte[] image = Files.readAllBytes(disk.path());
            assertThat(java.util.Arrays.copyOfRange(image, 8192, 8192 + data.length)).isEqualTo(data);
            assertThat(back.metrics().errors()).isZero();
            // The request count shows the request size: 1 MiB in 44 KiB, or in indirect requests.
            int perRequest = Math.max(11, expectedIndirect) * 4096;
            long dataRequests = 2L * ((data.length + perRequest - 1) / perRequest) + 1;
            assertThat(back.metrics().requests()).isGreaterThanOrEqualTo(dataRequests);
        }
    }
}
