package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;
import io.jxen.sim.Seeds;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two devices of one guest on one backend domain, one of them flooding: its hand-made
 * frontend keeps a 4-page ring (128 entries) full of valid reads all the time. The flooding
 * device is served at most its batch limit per turn ({@link Blkback#withBatchLimit}), so the
 * other device's verified I/O completes while the flood is still queued in the hostile ring;
 * then the flooding frontend turns broken (a bogus {@code req_prod}) and only its device is
 * closed while the other keeps serving.
 */
class BlkbackFloodTest {

    private static final int BATCH = 16;

    @Test
    void aFloodingFrontendIsServedInTurnsAndABrokenOneFailsOnlyItsDevice() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine floodDisk = host.image(1 << 20);
                 FileEngine goodDisk = host.image(1 << 20)) {
                GuestKernel guest = host.boot(1024);
                GrantTableClient grants = guest.grantTable();
                Blkback flooded = host.backend(floodDisk, BlkifDeviceProfile.of(floodDisk, 32), "blkback.1.51712", 0, 2)
                        .withBatchLimit(BATCH);
                Blkback good = host.backend(goodDisk, BlkifDeviceProfile.of(goodDisk, 32), "blkback.1.51728")
                        .withBatchLimit(BATCH);
                Flooder flooder = new Flooder(guest, grants);
                assertThat(flooded.connect(flooder.connection())).isTrue();
                Random random = new Random(seed);
                // The good device's blocking calls step the host and keep the flood going.
                Blkfront front = new Blkfront(guest, grants, 0, 1, 32, future -> {
                    int turns = 0;
                    while (!future.isDone()) {
                        flooder.refill();
                        long before = flooded.metrics().requests();
                        host.step();
                        long served = flooded.metrics().requests() - before;
                        assertThat(served).as("flood requests served in one turn").isLessThanOrEqualTo(BATCH);
                        flooder.drain();
                        if (++turns > 10_000) {
                            throw new AssertionError("the good device starved");
                        }
                    }
                });
                BlkifTestHost.connect(guest, front, good);

                byte[] model = new byte[1 << 20];
                for (int i = 0; i < 20; i++) {
                    byte[] data = new byte[4096 * (1 + random.nextInt(4))];
                    random.nextBytes(data);
                    int offset = random.nextInt(200) * 4096;
                    System.arraycopy(data, 0, model, offset, data.length);
                    front.write(offset, ByteBuffer.wrap(data), random.nextBoolean());
                    ByteBuffer back = ByteBuffer.allocate(data.length);
                    front.read(offset, back);
                    assertThat(back.array()).isEqualTo(data);
                    // Fair, not first-come: the flood was still queued when the good request finished.
                    assertThat(flooder.queued()).as("flood requests still waiting").isPositive();
                }
                assertThat(flooded.metrics().batchLimited()).isPositive();
                assertThat(flooded.metrics().ringFull()).isPositive();
                assertThat(flooded.metrics().errors()).isZero();
                assertThat(flooded.state()).isEqualTo(Blkback.State.CONNECTED);

                // Now the flooding frontend breaks its ring: only its device goes.
                flooder.breakRing();
                host.step();
                assertThat(flooded.state()).isEqualTo(Blkback.State.CLOSED);
                assertThat(flooded.error()).contains("bogus ring requests");
                byte[] data = new byte[3 * 4096];
                random.nextBytes(data);
                front.write(8192, ByteBuffer.wrap(data), true);
                ByteBuffer back = ByteBuffer.allocate(data.length);
                front.read(8192, back);
                assertThat(back.array()).isEqualTo(data);
                System.arraycopy(data, 0, model, 8192, data.length);
                assertThat(java.nio.file.Files.readAllBytes(goodDisk.path())).isEqualTo(model);
                assertThat(good.state()).isEqualTo(Blkback.State.CONNECTED);
                assertThat(good.metrics().errors()).isZero();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A frontend keeping a 4-page ring full of one-page reads into one granted page. */
    private static final class Flooder {
        final GuestKernel guest;
        final FrontRing ring;
        final List<Integer> refs = new ArrayList<>();
        final MemorySegment header;
        final int dataRef;
        final int irq;
        final MemorySegment slot = MemorySegment.ofArray(new long[14]).asSlice(0, BlkifSringDescriptor.X86_64.ENTRY_SIZE);
        final MemorySegment copy = MemorySegment.ofArray(new long[14]);
        long nextId;

        Flooder(GuestKernel guest, GrantTableClient grants) {
            this.guest = guest;
            List<MemorySegment> pages = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long gfn = guest.pages().allocPage();
                MemorySegment page = guest.memory().page(gfn);
                page.fill((byte) 0);
                int[] out = new int[1];
                assertThat(grants.grantForeignAccess(0, gfn, false, out)).isZero();
                refs.add(out[0]);
                pages.add(page);
            }
            header = pages.getFirst();
            ring = FrontRing.init(SharedRing.ofPages(pages, BlkifSringDescriptor.X86_64.ENTRY_SIZE));
            long data = guest.pages().allocPage();
            int[] out = new int[1];
            assertThat(grants.grantForeignAccess(0, data, false, out)).isZero();
            dataRef = out[0];
            irq = guest.intr().allocAndBindLocalPort("flood", 0, IrqHandler.filter(() -> { }));
        }

        BlkbackConnection connection() {
            return new BlkbackConnection(guest.domid(), refs, guest.intr().port(irq), XenAbi.X86_64);
        }

        void refill() {
            int put = 0;
            while (!ring.isFull()) {
                slot.fill((byte) 0);
                BlkifRequestFlyweight req = new BlkifRequestFlyweight(XenAbi.X86_64).wrap(slot, 0);
                req.setOperation(BlkifOp.READ);
                req.setNrSegments(1);
                req.setId(nextId++);
                req.setSectorNumber(0);
                req.setSegment(0, dataRef, 0, 7);
                ring.putRequest(slot);
                put++;
            }
            if (put > 0 && ring.pushRequestsAndCheckNotify()) {
                guest.intr().notify(irq);
            }
        }

        void drain() {
            for (int n = ring.unconsumedResponses(); n > 0; n--) {
                ring.copyResponse(copy);
            }
        }

        /**
         * Requests pushed and not answered; after {@link #drain()} with a synchronous backend
         * (which answers what it takes in the same turn) these are still waiting in the ring.
         */
        int queued() {
            return ring.requestProducerPrivate() - ring.responseConsumer();
        }

        void breakRing() {
            OrderedAccess.setIntRelease(header, SharedRingDescriptor.REQ_PROD_OFFSET,
                    ring.responseConsumer() + ring.entries() + 1);
            guest.intr().notify(irq);
        }
    }
}
