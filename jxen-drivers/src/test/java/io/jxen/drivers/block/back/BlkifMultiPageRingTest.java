package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifResponseFlyweight;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.BackendFeatures;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Multi-page rings end to end over real grants: the frontend allocates and grants
 * {@code 2^order} separate pages, the backend maps them one by one on its own GFNs, and
 * requests go through every slot of the ring several times over, so those that straddle a
 * page border (x86_64 from order 2, x86_32 from order 1) are written, copied out and answered.
 * blkfront speaks x86_64; an x86_32 frontend is made by hand here (every request a one-sector
 * write from its own granted page, checked on the image afterwards).
 */
class BlkifMultiPageRingTest {

    private static final int DISK = 4 << 20;

    /** The lesser of both ends' order, with 32 entries per page for both ABIs. */
    @ParameterizedTest(name = "frontend order {0}, backend max order {1}")
    @CsvSource({"0,4", "1,4", "2,4", "3,4", "4,4", "4,2", "3,0", "2,3"})
    void blkfrontAndBlkbackServeVerifiedIoThroughEverySlot(int frontOrder, int backOrder) {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(2048);
                Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712", 0, backOrder);
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, host.waiter())
                        .withMaxRingPageOrder(frontOrder);
                BlkifTestHost.connect(guest, front, back);
                int order = Math.min(frontOrder, backOrder);
                assertThat(front.ringPageOrder()).isEqualTo(order);
                assertThat(back.ringPages()).isEqualTo(1 << order);
                int entries = 32 << order;
                assertThat(front.ringEntries()).isEqualTo(entries);
                assertThat(back.ringEntries()).isEqualTo(entries);

                Random random = new Random(seed);
                byte[] model = new byte[DISK];
                // Three times the ring's worth of writes in flight at once: every slot is used,
                // the ring fills and drains, and the indices go round more than twice.
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int i = 0; i < 3 * entries; i++) {
                    int sectors = 1 + random.nextInt(16);
                    int offset = random.nextInt(DISK / 512 - sectors) * 512;
                    byte[] data = new byte[sectors * 512];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, offset, data.length);
                    writes.add(front.submitWrite(offset, ByteBuffer.wrap(data), false));
                }
                host.waiter().await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
                for (CompletableFuture<Void> w : writes) {
                    w.join();
                }
                front.flush();
                assertThat(Files.readAllBytes(disk.path())).isEqualTo(model);
                List<CompletableFuture<Void>> reads = new ArrayList<>();
                List<ByteBuffer> buffers = new ArrayList<>();
                for (int i = 0; i < 2 * entries; i++) {
                    ByteBuffer dst = ByteBuffer.allocate(4096);
                    buffers.add(dst);
                    reads.add(front.submitRead((long) i * 4096 % DISK, dst));
                }
                host.waiter().await(CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)));
                for (int i = 0; i < buffers.size(); i++) {
                    int at = (int) ((long) i * 4096 % DISK);
                    assertThat(buffers.get(i).array()).isEqualTo(Arrays.copyOfRange(model, at, at + 4096));
                }
                assertThat(back.metrics().errors()).isZero();
                assertThat(back.metrics().requests()).isEqualTo(5L * entries + 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @ParameterizedTest(name = "order {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void anX86_32FrontendsRequestsAcrossPageBordersAreDecodedAndAnswered(int order) throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(2048);
            GrantTableClient grants = guest.grantTable();
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712", 0, 4);
            X86_32Frontend raw = new X86_32Frontend(guest, grants, order);
            assertThat(back.connect(raw.connection())).isTrue();
            assertThat(back.ringEntries()).isEqualTo(32 << order);

            int total = 3 * raw.ring.entries();
            Set<Long> answered = new HashSet<>();
            int straddled = 0;
            int next = 0;
            while (answered.size() < total) {
                while (next < total && !raw.ring.isFull()) {
                    if (raw.ring.ring().straddles(raw.ring.requestProducerPrivate())) {
                        straddled++;
                    }
                    raw.write(next++);
                }
                if (raw.ring.pushRequestsAndCheckNotify()) {
                    guest.intr().notify(raw.irq);
                }
                host.step();
                for (int n = raw.ring.unconsumedResponses(); n > 0; n--) {
                    raw.ring.copyResponse(raw.copy);
                    BlkifResponseFlyweight rsp = new BlkifResponseFlyweight(XenAbi.X86_32).wrap(raw.copy, 0);
                    assertThat(rsp.getOperation()).isEqualTo(BlkifOp.WRITE);
                    assertThat((int) rsp.getStatus()).isEqualTo(BlkifRsp.OKAY);
                    assertThat(answered.add(rsp.getId())).as("id %d answered once", rsp.getId()).isTrue();
                    raw.release(rsp.getId());
                }
            }
            assertThat(straddled > 0).isEqualTo(order >= 1);
            byte[] image = Files.readAllBytes(disk.path());
            for (int i = 0; i < total; i++) {
                byte[] expected = new byte[512];
                Arrays.fill(expected, (byte) (i * 7 + 1));
                assertThat(Arrays.copyOfRange(image, i * 512, i * 512 + 512)).as("sector %d", i).isEqualTo(expected);
            }
            assertThat(back.metrics().errors()).isZero();
        }
    }

    @Test
    void aRingOverTheBackendsMaximumIsRefusedAtConnect() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(512);
            Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712", 0, 1);
            assertThat(back.connect(new BlkbackConnection(guest.domid(), List.of(8, 9, 10, 11), 5, XenAbi.X86_64)))
                    .isFalse();
            assertThat(back.error()).contains("exceeds max 2");
        }
    }

    @Test
    void theBackendsLimitIsTheLargerOfBothKeysAndAbsentMeansOnePage() {
        assertThat(BackendFeatures.ringPageOrder(-1, -1)).isZero();
        assertThat(BackendFeatures.ringPageOrder(2, -1)).isEqualTo(2);
        assertThat(BackendFeatures.ringPageOrder(-1, 8)).isEqualTo(3);
        assertThat(BackendFeatures.ringPageOrder(1, 16)).isEqualTo(4);
        assertThat(BackendFeatures.ringPageOrder(3, 2)).isEqualTo(3);
        assertThat(BackendFeatures.ringPageOrder(-1, 6)).isEqualTo(2); // not a power of two: rounded down
        assertThat(BackendFeatures.ringPageOrder(Long.MAX_VALUE, -1)).isEqualTo(31);
    }

    /** A hand-made x86_32 frontend: {@code 2^order} granted ring pages, one granted data page per request. */
    private static final class X86_32Frontend {
        final GuestKernel guest;
        final GrantTableClient grants;
        final FrontRing ring;
        final List<Integer> refs = new ArrayList<>();
        final java.util.Map<Long, long[]> dataPages = new java.util.HashMap<>();
        final int irq;
        final MemorySegment copy = MemorySegment.ofArray(new long[14]);
        final MemorySegment slot = MemorySegment.ofArray(new long[14]).asSlice(0, BlkifSringDescriptor.X86_32.ENTRY_SIZE);

        X86_32Frontend(GuestKernel guest, GrantTableClient grants, int order) {
            this.guest = guest;
            this.grants = grants;
            List<MemorySegment> pages = new ArrayList<>();
            for (int i = 0; i < 1 << order; i++) {
                guest.pages().allocPage(); // a gap: the ring pages are not adjacent frames
                long gfn = guest.pages().allocPage();
                MemorySegment page = guest.memory().page(gfn);
                page.fill((byte) 0);
                int[] out = new int[1];
                assertThat(grants.grantForeignAccess(0, gfn, false, out)).isZero();
                refs.add(out[0]);
                pages.add(page);
            }
            ring = FrontRing.init(SharedRing.ofPages(pages, BlkifSringDescriptor.X86_32.ENTRY_SIZE));
            irq = guest.intr().allocAndBindLocalPort("raw32", 0, IrqHandler.filter(() -> { }));
        }

        BlkbackConnection connection() {
            return new BlkbackConnection(guest.domid(), refs, guest.intr().port(irq), XenAbi.X86_32);
        }

        /** Request {@code i}: write sector {@code i} with the byte {@code i * 7 + 1}, id {@code i}. */
        void write(int i) {
            long gfn = guest.pages().allocPage();
            MemorySegment data = guest.memory().page(gfn);
            data.fill((byte) (i * 7 + 1));
            int[] out = new int[1];
            assertThat(grants.grantForeignAccess(0, gfn, true, out)).isZero();
            slot.fill((byte) 0);
            BlkifRequestFlyweight req = new BlkifRequestFlyweight(XenAbi.X86_32).wrap(slot, 0);
            req.setOperation(BlkifOp.WRITE);
            req.setNrSegments(1);
            req.setHandle(0);
            req.setId(i);
            req.setSectorNumber(i);
            req.setSegment(0, out[0], 0, 0);
            ring.putRequest(slot);
            dataPages.put((long) i, new long[] {gfn, out[0]});
        }

        /** The backend answered request {@code id}: its data page goes back once unmapped. */
        void release(long id) {
            long[] page = dataPages.remove(id);
            grants.endForeignAccess((int) page[1], () -> guest.pages().freePage(page[0]));
        }
    }
}
