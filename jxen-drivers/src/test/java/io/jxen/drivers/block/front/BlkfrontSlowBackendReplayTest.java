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
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A reconnect onto a backend that is slow to map, bind and go Connected, from a seed: the old
 * backend serves a seeded part of a storm of reads, writes (up to 32 pages, indirect) and
 * flushes and dies; a new backend, in dom0 or in a driver domain of another id
 * ({@link Blkfront#followBackend}), with seeded grant mode, indirect limit and cache, takes the
 * ring only after seeded delays: first it has not mapped the ring nor bound the event channel
 * (Xen drops a kick sent to an unbound peer), then it is bound but not yet Connected (the
 * frontend does not know its grant mode nor its cache yet). The new backend runs only when
 * kicked, as a parked backend thread does, so a lost kick stalls the run.
 *
 * <p>Checked: nothing goes onto the new ring before the backend is Connected; then everything
 * does, with one kick; every request completes once and well; the two backends together moved
 * exactly the bytes submitted (nothing lost, nothing done twice); every read saw the model as at
 * its submission; the image equals the model; nothing of the guest stays mapped by either
 * backend once they disconnect.
 */
class BlkfrontSlowBackendReplayTest {

    private static final int DISK = 1 << 20;
    private static final int OPERATIONS = 70;
    private static final int MAX_PAGES = 32;

    @Test
    void requestsWaitForTheNewBackendsConnectedAndAreNeitherLostNorDoubled() {
        for (int run = 0; run < 4; run++) {
            Seeds.run(BlkfrontSlowBackendReplayTest::run);
        }
    }

    private static void run(long seed) {
        Random r = new Random(seed);
        boolean persistentA = r.nextBoolean();
        boolean persistentB = r.nextBoolean();
        boolean otherDomain = r.nextBoolean();
        int indirectB = r.nextBoolean() ? 32 : 0;
        boolean cacheB = r.nextBoolean();
        String params = "seed " + seed + ": persistent " + persistentA + "->" + persistentB + ", new backend in "
                + (otherDomain ? "another domain" : "dom0") + ", its indirect " + indirectB + ", cache " + cacheB;
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            GuestKernel ddKernel = otherDomain ? host.boot(513) : host.dom0;
            Blkback a = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.a", persistentA ? 128 : 0)
                    .withBatchLimit(1 + r.nextInt(40));
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, true, host.waiter());
            BlkifTestHost.connect(guest, front, a, true, persistentA);

            Workload w = new Workload(front, r);
            for (int i = 0; i < OPERATIONS; i++) {
                w.submitOne();
            }
            // The old backend serves part of the storm; the guest takes some of the responses.
            int turns = r.nextInt(3);
            for (int t = 0; t < turns; t++) {
                host.dom0.vcpu(0).poll();
                a.doWork();
                if (r.nextBoolean()) {
                    guest.vcpu(0).poll();
                }
            }
            a.disconnect(); // it dies
            front.backendGone();
            long sentBefore = front.requestsSent();
            int waitingForReplay = front.inFlight();

            if (otherDomain) {
                front.followBackend(ddKernel.domid());
            }
            assertThat(front.backendDomid()).isEqualTo(ddKernel.domid());
            BlkifDeviceProfile profileB = new BlkifDeviceProfile(DISK / 512, 512, false, cacheB, cacheB, false, false,
                    indirectB);
            Blkback b = otherDomain
                    ? new Blkback(ddKernel, ddKernel.grantTable(), disk, profileB, ddKernel.nrPages() + 16,
                    persistentB ? 128 : 0, host.clock, "blkback.b")
                    : host.backend(disk, profileB, "blkback.b", persistentB ? 128 : 0);
            AtomicBoolean kicked = new AtomicBoolean();
            b.onKick(() -> kicked.set(true));
            BackendFeatures featuresB = BlkifTestHost.features(profileB, persistentB);

            FrontendRing ring = front.connect(featuresB);
            // Slow backend, first: it has neither mapped the ring nor bound the port.
            idle(r, guest, ddKernel);
            assertThat(front.requestsSent()).as("%s: requests on the ring before the backend bound its port", params)
                    .isEqualTo(sentBefore);
            assertThat(b.connect(new BlkbackConnection(guest.domid(), ring.ringRefs(), ring.eventChannel(), ring.abi(),
                    true))).isTrue();
            // Then: bound, not yet Connected.
            idle(r, guest, ddKernel);
            assertThat(front.requestsSent()).as("%s: requests on the ring before the backend was Connected", params)
                    .isEqualTo(sentBefore);
            assertThat(front.backendConnected()).isFalse();

            front.deviceProperties(featuresB); // Connected
            assertThat(front.backendConnected()).isTrue();
            if (waitingForReplay > 0 && cacheB) { // (without a cache, replayed flushes complete off the ring)
                assertThat(front.requestsSent()).as("%s: replayed at Connected", params).isGreaterThan(sentBefore);
            }
            assertThat(front.persistentGrants()).isEqualTo(persistentB);

            // The new backend runs only when kicked: a lost kick stalls the run.
            int idleTurns = 0;
            while (!w.allDone()) {
                int work = ddKernel.vcpu(0).poll();
                if (kicked.getAndSet(false)) {
                    work += 1 + b.doWork();
                }
                work += guest.vcpu(0).poll();
                if (work == 0 && ++idleTurns > 1000) {
                    throw new AssertionError(params + ": stuck with " + front.inFlight() + " requests in flight "
                            + "(a kick was lost?); backend " + b.state() + " " + b.metrics());
                }
            }
            w.check(params);
            assertThat(a.metrics().bytesWritten() + b.metrics().bytesWritten()).as("%s: bytes written, both backends",
                    params).isEqualTo(w.bytesWritten);
            assertThat(a.metrics().bytesRead() + b.metrics().bytesRead()).as("%s: bytes read, both backends", params)
                    .isEqualTo(w.bytesRead);
            assertThat(a.metrics().errors() + b.metrics().errors()).isZero();
            assertThat(front.failure()).isNull();
            assertThat(Files.readAllBytes(disk.path())).as("%s: the image", params).isEqualTo(w.model);

            b.disconnect();
            front.backendGone();
            var gt = host.hv.byId(guest.domid()).grantTable();
            assertThat(gt.pinnedFor(0)).as("%s: guest pages dom0 still maps", params).isZero();
            assertThat(gt.pinnedFor(ddKernel.domid())).as("%s: guest pages the new backend still maps", params).isZero();
            guest.grantTable().processDeferred();
            assertThat(guest.grantTable().deferredCount()).as("%s: grants not yet ended", params).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Registered buffers are granted to one domain: when the disk follows its backend to
     * another domain, a registered write in flight is not sent there naming the old domain's
     * grants (it fails, saying the buffer was closed), the old buffer's grants are ended, and a
     * buffer allocated afterwards is granted to the new domain and moves data without a copy.
     */
    @Test
    void registeredBuffersDoNotFollowTheBackendToAnotherDomainButNewOnesDo() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            GuestKernel ddKernel = host.boot(513);
            BlkifDeviceProfile profile = BlkifDeviceProfile.of(disk, 32);
            Blkback a = host.backend(disk, profile, "blkback.a");
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter());
            BlkifTestHost.connect(guest, front, a);
            BlockBuffer old = front.allocateBuffer(4096);
            int oldRef = old.grantRef(0);
            CompletableFuture<Void> inFlight = front.submitWrite(0, old.buffer().put(new byte[4096]).flip(), false);
            a.disconnect();
            front.backendGone();
            front.followBackend(ddKernel.domid());
            assertThat(guest.grantTable().flags(oldRef) & 1).as("the old domain's grant ended").isZero();
            Blkback b = new Blkback(ddKernel, ddKernel.grantTable(), disk, profile, ddKernel.nrPages() + 16, 0,
                    host.clock, "blkback.b");
            host.drive(b);
            BlkifTestHost.connect(guest, front, b);
            host.waiter().await(inFlight);
            assertThat(inFlight).isCompletedExceptionally();
            assertThatThrownBy(inFlight::join).hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("registered buffer that was closed");

            BlockBuffer fresh = front.allocateBuffer(8192);
            byte[] data = new byte[8192];
            new Random(3).nextBytes(data);
            front.write(8192, fresh.buffer().put(data).flip(), false);
            ByteBuffer back = ByteBuffer.allocate(8192);
            front.read(8192, back);
            assertThat(back.array()).isEqualTo(data);
            assertThat(front.registeredTransfers()).isEqualTo(1);
            assertThat(b.metrics().errors()).isZero();
            fresh.close();
        }
    }

    /** A seeded number of turns in which the guest and the backend's domain run but no backend code does. */
    private static void idle(Random r, GuestKernel guest, GuestKernel backendDomain) {
        for (int i = r.nextInt(5); i > 0; i--) {
            guest.vcpu(0).poll();
            backendDomain.vcpu(0).poll();
        }
    }

    /** Reads, writes and flushes submitted at once; reads checked against the model at submission. */
    private static final class Workload {
        final Blkfront front;
        final Random random;
        final byte[] model = new byte[DISK];
        final List<CompletableFuture<Void>> futures = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        long bytesWritten;
        long bytesRead;

        Workload(Blkfront front, Random random) {
            this.front = front;
            this.random = random;
        }

        void submitOne() throws IOException {
            int pages = 1 + random.nextInt(random.nextInt(3) == 0 ? MAX_PAGES : 4);
            int length = pages * 4096 - (random.nextBoolean() ? 512 * random.nextInt(8) : 0);
            int offset = random.nextInt((DISK - length) / 512) * 512;
            CompletableFuture<Void> f;
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, offset, length);
                    f = front.submitWrite(offset, ByteBuffer.wrap(data), false);
                    bytesWritten += length;
                }
                case 2, 3 -> {
                    byte[] expected = Arrays.copyOfRange(model, offset, offset + length);
                    ByteBuffer dst = ByteBuffer.allocate(length);
                    int at = offset;
                    f = front.submitRead(offset, dst).thenRun(() -> {
                        if (!Arrays.equals(dst.array(), expected)) {
                            failures.add("read of " + length + " bytes at " + at + " differs from the model");
                        }
                        if (dst.position() != length) {
                            failures.add("read of " + length + " bytes at " + at + " left position " + dst.position());
                        }
                    });
                    bytesRead += length;
                }
                default -> f = front.submitFlush();
            }
            int[] completions = new int[1];
            f.whenComplete((v, t) -> {
                if (++completions[0] > 1) {
                    failures.add("completed twice");
                }
                if (t != null) {
                    failures.add("operation failed: " + t);
                }
            });
            futures.add(f);
        }

        boolean allDone() {
            return futures.stream().allMatch(CompletableFuture::isDone);
        }

        void check(String params) {
            if (!failures.isEmpty()) {
                throw new AssertionError(params + ": " + failures.getFirst() + " (" + failures.size() + " failures)");
            }
            assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        }
    }
}
