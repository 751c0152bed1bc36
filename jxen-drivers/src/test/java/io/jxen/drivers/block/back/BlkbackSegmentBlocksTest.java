package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FreeBSD's request-size extension on a real ring: a frontend of that generation
 * ({@link SegmentBlockFrontend}) sends requests of 12 to 255 segments, the segments past 11 in
 * segment blocks in the following slots; blkback serves them with data checked against the
 * image, answers each with one response that moves {@code rsp_prod} by the request's slots, and
 * refuses hostile ones with BLKIF_RSP_ERROR while the ring stays in step (the next request is
 * served), or fails only that device when the blocks run past {@code req_prod}.
 */
class BlkbackSegmentBlocksTest {

    private static final int DISK = 4 << 20;
    private static final BlkifRequestSizeExtension FULL = new BlkifRequestSizeExtension(32, 255, 255L * XenPage.SIZE);

    /** A guest with a segment-block frontend connected to an extension backend on a fresh disk. */
    private record Rig(BlkifTestHost host, FileEngine disk, GuestKernel guest, GrantTableClient grants, Blkback back,
                       SegmentBlockFrontend front) {
    }

    private static Rig rig(BlkifTestHost host, FileEngine disk, BlkifRequestSizeExtension limits, boolean grantCopy,
                           int pipelined) {
        return rig(host, disk, limits, grantCopy, pipelined, 0);
    }

    private static Rig rig(BlkifTestHost host, FileEngine disk, BlkifRequestSizeExtension limits, boolean grantCopy,
                           int pipelined, int persistentGrants) {
        // Persistent mappings keep up to that many ended pages of the guest alive until evicted.
        GuestKernel guest = host.boot(persistentGrants > 0 ? 4096 : 2048);
        Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 0), "blkback.1.51712", persistentGrants);
        if (limits != null) {
            back.withRequestSizeExtension(limits);
        }
        if (grantCopy) {
            back.withGrantCopy(host.dom0.pages().allocPage());
        }
        if (pipelined > 0) {
            back.withPipelining(pipelined);
        }
        GrantTableClient grants = guest.grantTable(); // one per guest: it hands out the refs
        SegmentBlockFrontend front = new SegmentBlockFrontend(guest, grants, 255, 1);
        if (persistentGrants > 0) {
            front.withPersistentGrants();
        }
        assertThat(back.connect(front.setUp(0, 1, limits == null ? 11 : limits.maxRequestSegments()))).isTrue();
        assertThat(back.persistentGrants()).isEqualTo(persistentGrants > 0);
        return new Rig(host, disk, guest, grants, back, front);
    }

    private static int await(BlkifTestHost host, CompletableFuture<Integer> status) {
        host.waiter().await(status);
        return status.join();
    }

    private static int[][] fullPages(int n) {
        int[][] s = new int[n][];
        for (int i = 0; i < n; i++) {
            s[i] = new int[] {0, 7};
        }
        return s;
    }

    private static int bytes(int[][] sects) {
        int total = 0;
        for (int[] s : sects) {
            total += (s[1] - s[0] + 1) * 512;
        }
        return total;
    }

    /** Writes then reads {@code sects} at {@code sector}: both OKAY, read equals written equals image. */
    private static void roundTrip(Rig r, long sector, int[][] sects, Random random) throws IOException {
        byte[] data = new byte[bytes(sects)];
        random.nextBytes(data);
        assertThat(await(r.host(), r.front().submit(BlkifOp.WRITE, sector, sects, data))).as("write of %d segments",
                sects.length).isEqualTo(BlkifRsp.OKAY);
        byte[] back = new byte[data.length];
        assertThat(await(r.host(), r.front().submit(BlkifOp.READ, sector, sects, back))).isEqualTo(BlkifRsp.OKAY);
        assertThat(back).as("read of %d segments", sects.length).isEqualTo(data);
        byte[] image = Files.readAllBytes(r.disk().path());
        assertThat(Arrays.copyOfRange(image, (int) sector * 512, (int) sector * 512 + data.length)).isEqualTo(data);
    }

    @ParameterizedTest(name = "grant copy {0}, pipelined {1}, persistent grants {2}")
    @CsvSource({"true,0,0", "false,0,0", "true,4,0", "false,0,300"})
    void everySegmentCountFrom12To255IsServedWithItsData(boolean grantCopy, int pipelined, int persistentGrants)
            throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig r = rig(host, disk, FULL, grantCopy, pipelined, persistentGrants);
            Random random = new Random(12);
            int step = grantCopy && pipelined == 0 ? 1 : 7; // every count once; the other modes a spread
            long sector = 0;
            for (int n = 12; n <= 255; n += step) {
                roundTrip(r, sector, fullPages(n), random);
                sector = (sector + n * 8L) % (DISK / 512 - 255 * 8);
            }
            roundTrip(r, 8, fullPages(255), random);
            assertThat(r.back().metrics().errors()).isZero();
            assertThat(r.back().state()).isEqualTo(Blkback.State.CONNECTED);
            assertThat(r.front().failure()).isNull();
            assertThat(r.front().inFlight()).isZero();
            if (persistentGrants > 0) {
                assertThat(r.back().persistentMappings()).isPositive().isLessThanOrEqualTo(persistentGrants);
            }
        }
    }

    @Test
    void partialSectorsInSegmentBlocksLandContiguouslyOnDisk() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                Rig r = rig(host, disk, FULL, true, 0);
                Random random = new Random(seed);
                for (int i = 0; i < 20; i++) {
                    int n = 12 + random.nextInt(244);
                    int[][] sects = new int[n][];
                    for (int s = 0; s < n; s++) {
                        int first = random.nextInt(8);
                        sects[s] = new int[] {first, first + random.nextInt(8 - first)};
                    }
                    roundTrip(r, random.nextInt(DISK / 512 - 255 * 8), sects, random);
                }
                assertThat(r.back().metrics().errors()).isZero();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Several multi-slot requests in flight at once, answered out of order by a deferred engine. */
    @Test
    void outOfOrderResponsesOfDifferentSlotCountsKeepTheRingInStep() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(4 * DISK)) {
                DeferredEngine engine = new DeferredEngine(file);
                Random random = new Random(seed);
                GuestKernel guest = host.boot(2048);
                Blkback back = host.backend(engine, BlkifDeviceProfile.of(engine, 0), "blkback.1.51712")
                        .withRequestSizeExtension(FULL).withPipelining(8);
                SegmentBlockFrontend front = new SegmentBlockFrontend(guest, guest.grantTable(), 255, 1);
                assertThat(back.connect(front.setUp(0, 1, 255))).isTrue();
                byte[] model = new byte[4 * DISK];
                List<CompletableFuture<Integer>> writes = new ArrayList<>();
                long sector = 0;
                for (int i = 0; i < 40; i++) {
                    int n = 1 + random.nextInt(random.nextBoolean() ? 11 : 90);
                    while (front.freeSlots() < BlkifSegmentBlocks.slots(n)) {
                        host.step();
                        engine.completeOne(random);
                    }
                    byte[] data = new byte[n * 4096];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, (int) sector * 512, data.length);
                    writes.add(front.submit(BlkifOp.WRITE, sector, fullPages(n), data));
                    sector += n * 8L;
                    host.step();
                    if (random.nextInt(3) == 0) {
                        engine.completeOne(random);
                    }
                }
                while (front.inFlight() > 0) {
                    host.step();
                    engine.completeOne(random);
                }
                assertThat(writes).allSatisfy(w -> assertThat(w.join()).isEqualTo(BlkifRsp.OKAY));
                assertThat(Files.readAllBytes(file.path())).isEqualTo(model);
                assertThat(engine.violations).isEmpty();
                assertThat(back.metrics().requests()).isEqualTo(40);
                assertThat(front.failure()).isNull();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void requestsOfElevenOrFewerSegmentsAreTheStandardProtocolsOnes() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig r = rig(host, disk, FULL, false, 0);
            Random random = new Random(3);
            for (int n = 1; n <= 11; n++) {
                roundTrip(r, n * 100L, fullPages(n), random);
            }
            assertThat(await(host, r.front().submit(BlkifOp.FLUSH_DISKCACHE, 0, new int[0][], new byte[0])))
                    .isEqualTo(BlkifRsp.OKAY);
            assertThat(r.back().metrics().errors()).isZero();
        }
    }

    // ---- hostile frontends ----

    @Test
    void segmentBlocksPastReqProdFailOnlyThatDevice() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK);
             FileEngine goodDisk = host.image(1 << 20)) {
            Rig r = rig(host, disk, FULL, true, 0);
            Blkback goodBack = host.backend(goodDisk, BlkifDeviceProfile.of(goodDisk, 32), "blkback.1.51728");
            Blkfront good = new Blkfront(r.guest(), r.grants(), 0, 1, 32, host.waiter());
            BlkifTestHost.connect(r.guest(), good, goodBack);

            // A header announcing 40 segments (4 slots) with only the header published.
            List<MemorySegment> slots = SegmentBlockFrontend.slots(BlkifOp.READ, 9, 0, 40, new int[11], fullPages(11));
            r.front().putRaw(9, BlkifOp.READ, 4, slots);
            host.step();
            assertThat(r.back().state()).isEqualTo(Blkback.State.CLOSED);
            assertThat(r.back().error()).contains("bogus ring requests").contains("nr_segments 40 needs 4 ring slots, only 1 published");
            assertThat(r.back().metrics().requests()).isZero();

            byte[] data = new byte[12 * 4096];
            new Random(1).nextBytes(data);
            good.write(0, ByteBuffer.wrap(data), true);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            good.read(0, back);
            assertThat(back.array()).isEqualTo(data);
            assertThat(goodBack.state()).isEqualTo(Blkback.State.CONNECTED);
        }
    }

    /** Each hostile request is answered once, after all its slots, with its status, and the next request is served. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"over the negotiated 32 segments,-1", "255 segments over the negotiated 32,-1",
        "ungranted page in a segment block (write),-1", "ungranted page in a segment block (read),-1",
        "last_sect 8 in a segment block,-1", "first_sect after last_sect in a segment block,-1",
        "more bytes than max-request-size,-1", "segment blocks running past the disk end,-1",
        "unknown operation 7 with 40 segments,-2"})
    void aHostileRequestIsRefusedAndTheRingStaysInStep(String name, int expectedStatus) throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            // 32 segments, 24 pages of data at most.
            Rig r = rig(host, disk, new BlkifRequestSizeExtension(32, 32, 24L * XenPage.SIZE), true, 0);
            int count = switch (name) {
                case "over the negotiated 32 segments" -> 33;
                case "255 segments over the negotiated 32" -> 255;
                case "more bytes than max-request-size" -> 25;
                case "unknown operation 7 with 40 segments" -> 40; // slots by byte 1, as FreeBSD
                default -> 20;
            };
            int op = name.contains("(read)") ? BlkifOp.READ : name.contains("operation 7") ? 7 : BlkifOp.WRITE;
            int[][] sects = fullPages(count);
            int[] grefs = new int[count];
            java.util.Arrays.fill(grefs, 0x7fff_0000); // never granted: only reached when the checks pass
            long sector = name.contains("disk end") ? DISK / 512 - 20 * 8 + 1 : 64;
            if (name.contains("last_sect 8")) {
                sects[17] = new int[] {0, 8};
            } else if (name.contains("first_sect after")) {
                sects[14] = new int[] {5, 4};
            }
            int slots = BlkifSegmentBlocks.slots(count);
            long before = r.front().responses();
            CompletableFuture<Integer> status = r.front().putRaw(77, op, slots,
                    SegmentBlockFrontend.slots(op, 77, sector, count, grefs, sects));
            assertThat(await(host, status)).isEqualTo(expectedStatus);
            assertThat(r.front().responses()).isEqualTo(before + 1);
            assertThat(r.front().failure()).isNull();
            assertThat(r.back().state()).isEqualTo(Blkback.State.CONNECTED);
            assertThat(r.back().metrics().errors()).isEqualTo(1);
            assertThat(Files.readAllBytes(disk.path())).as("nothing written").containsOnly((byte) 0);
            // The ring is in step: the next requests, multi-slot too, are served.
            roundTrip(r, 128, fullPages(20), new Random(5));
            roundTrip(r, 1024, fullPages(24), new Random(6));
            assertThat(r.back().metrics().errors()).isEqualTo(1);
        }
    }

    /** A discard's byte 1 is its flag, not a segment count: it takes one slot under the extension too. */
    @Test
    void aDiscardTakesOneSlotWhateverItsFlagByte() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig r = rig(host, disk, FULL, true, 0);
            roundTrip(r, 0, fullPages(30), new Random(8));
            MemorySegment discard = RequestSlots.discard(XenAbi.X86_64, 44, 0, 240, 0xf0); // BLKIF_DISCARD_SECURE clear
            assertThat(await(host, r.front().putRaw(44, BlkifOp.DISCARD, 1, List.of(discard))))
                    .isEqualTo(BlkifRsp.OKAY);
            byte[] zeroes = new byte[30 * 4096];
            assertThat(await(host, r.front().submit(BlkifOp.READ, 0, fullPages(30), zeroes))).isEqualTo(BlkifRsp.OKAY);
            assertThat(zeroes).containsOnly((byte) 0);
            roundTrip(r, 512, fullPages(40), new Random(9));
            assertThat(r.back().metrics().errors()).isZero();
        }
    }

    @Test
    void aStandardBackendRefuses12SegmentsInOneSlot() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig r = rig(host, disk, null, true, 0);
            assertThat(r.back().requestSizeExtension()).isNull();
            // Without the extension a request is one slot: 12 segments in it are refused
            // (TOO_MANY_SEGMENTS) and the response takes one slot, as before the extension.
            int[] grefs = new int[12];
            List<MemorySegment> slots = SegmentBlockFrontend.slots(BlkifOp.WRITE, 5, 0, 12, grefs, fullPages(12));
            assertThat(slots).hasSize(2);
            CompletableFuture<Integer> status = r.front().putRaw(5, BlkifOp.WRITE, 1, slots.subList(0, 1));
            assertThat(await(host, status)).isEqualTo(BlkifRsp.ERROR);
            assertThat(r.back().metrics().rejections()).isEqualTo(1);
            roundTrip(r, 8, fullPages(11), new Random(2));
            assertThat(r.back().state()).isEqualTo(Blkback.State.CONNECTED);
        }
    }

    @Test
    void a32BitFrontendCannotHaveSegmentBlocks() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(512);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 0), "blkback.1.51712")
                    .withRequestSizeExtension(FULL);
            SegmentBlockFrontend front = new SegmentBlockFrontend(guest, guest.grantTable(), 255, 1);
            BlkbackConnection c = front.setUp(0, 1, 255);
            assertThat(back.connect(new BlkbackConnection(c.frontendDomid(), c.ringRefs(), c.eventChannel(),
                    XenAbi.X86_32))).isFalse();
            assertThat(back.error()).contains("request-size extension").contains("x86_32");
        }
    }
}
