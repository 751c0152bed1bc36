package io.jxen.drivers.block.back;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqStat;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code req_event} as the runner arms it ({@link Blkback#withRunnerArming()}): while the runner
 * keeps calling {@code doWork()} (polling), the frontend's requests raise no event in the
 * backend domain; {@link Blkback#finalCheckForRequests()} re-arms it (ring.h's
 * {@code RING_FINAL_CHECK_FOR_REQUESTS}) so the next request is notified. A backend that arms
 * in {@code doWork()} itself is kicked for the first request after every drain.
 */
class BlkbackRunnerArmingTest {

    private static final int DISK = 1 << 20;

    @Test
    void aPollingBackendIsNotKickedUntilItRearmsBeforeSleeping() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkback back = host.backend(file, BlkifDeviceProfile.of(file, 32), "blkback.1.51712").withRunnerArming();
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);

            front.read(0, ByteBuffer.allocate(4096)); // req_event starts at 1: this one is notified
            long kicked = kicks(host, back);
            assertThat(kicked).isEqualTo(1);
            for (int i = 1; i <= 10; i++) {
                front.read(i * 4096L, ByteBuffer.allocate(4096));
            }
            assertThat(kicks(host, back)).as("requests to a polling backend").isEqualTo(kicked);

            assertThat(back.finalCheckForRequests()).as("work waiting after the reads").isFalse();
            front.read(0, ByteBuffer.allocate(4096));
            assertThat(kicks(host, back)).as("the first request after re-arming").isEqualTo(kicked + 1);
            assertThat(back.metrics().requests()).isEqualTo(12);
        }
    }

    @Test
    void finalCheckSaysWhenRequestsWaitAndDoesNotSleepThroughThem() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkback back = host.backend(file, BlkifDeviceProfile.of(file, 32), "blkback.1.51712").withRunnerArming();
            assertThat(back.finalCheckForRequests()).as("not connected yet").isFalse();
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(front.submitRead(i * 4096L, ByteBuffer.allocate(4096)));
            }
            assertThat(back.finalCheckForRequests()).as("8 requests on the ring").isTrue();
            assertThat(back.doWork()).isEqualTo(8);
            assertThat(back.finalCheckForRequests()).isFalse();
            host.waiter().await(CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)));
        }
    }

    @Test
    void aBackendArmingItselfIsKickedAfterEveryDrain() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkback back = host.backend(file, BlkifDeviceProfile.of(file, 32), "blkback.1.51712");
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            for (int i = 0; i < 10; i++) {
                front.read(i * 4096L, ByteBuffer.allocate(4096));
            }
            assertThat(kicks(host, back)).isEqualTo(10);
        }
    }

    @Test
    void aBatchOfRequestsIsAnsweredWithOneEvent() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkback back = host.backend(file, BlkifDeviceProfile.of(file, 32), "blkback.1.51712").withRunnerArming();
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, back);
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                reads.add(front.submitRead(i * 4096L, ByteBuffer.allocate(4096)));
            }
            assertThat(back.doWork()).isEqualTo(16);
            assertThat(back.metrics().notifications()).isEqualTo(1);
            host.waiter().await(CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)));
        }
    }

    private static long kicks(BlkifTestHost host, Blkback back) {
        long n = 0;
        for (IrqStat s : host.dom0.intr().stats()) {
            if (s.name().equals(back.roleName())) {
                n += s.count();
            }
        }
        return n;
    }
}
