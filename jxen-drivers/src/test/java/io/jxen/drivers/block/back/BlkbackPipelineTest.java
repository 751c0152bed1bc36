package io.jxen.drivers.block.back;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipelined backend ({@link Blkback#withPipelining}) over an engine whose operations
 * complete in a seeded random order ({@link DeferredEngine}): requests run concurrently up to
 * the bound and never past it, responses leave out of order and still reach the right request
 * (ids echoed), {@code FLUSH_DISKCACHE} and {@code WRITE_BARRIER} drain before and after (no
 * engine operation pending when they start, none started while they run), a flush is answered
 * only after the engine's flush completed, and the image ends as the model says.
 */
class BlkbackPipelineTest {

    private static final int DISK = 2 << 20;
    private static final int MAX_IN_FLIGHT = 8;

    @Test
    void requestsRunConcurrentlyUpToTheBoundAndCompleteOutOfOrder() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
                DeferredEngine engine = new DeferredEngine(file);
                Random random = new Random(seed);
                GuestKernel guest = host.boot(1024);
                Blkback back = host.backend(engine, BlkifDeviceProfile.of(engine, 32), "blkback.1.51712")
                        .withPipelining(MAX_IN_FLIGHT);
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, waiter(host, engine, random));
                BlkifTestHost.connect(guest, front, back);

                byte[] model = new byte[DISK];
                List<Integer> completionOrder = new ArrayList<>();
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    byte[] data = new byte[4096 * (1 + i % 3)];
                    random.nextBytes(data);
                    int offset = i * 3 * 4096;
                    System.arraycopy(data, 0, model, offset, data.length);
                    int index = i;
                    CompletableFuture<Void> w = front.submitWrite(offset, ByteBuffer.wrap(data), false);
                    w.thenRun(() -> completionOrder.add(index));
                    all.add(w);
                }
                waiter(host, engine, random).await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
                all.forEach(CompletableFuture::join);
                assertThat(completionOrder).hasSize(48);
                assertThat(completionOrder).as("responses out of order").isNotEqualTo(sorted(completionOrder));
                assertThat(engine.maxPending).isEqualTo(MAX_IN_FLIGHT);
                assertThat(back.metrics().inFlightMax()).isEqualTo(MAX_IN_FLIGHT);
                assertThat(engine.violations).isEmpty();

                List<ByteBuffer> reads = new ArrayList<>();
                List<CompletableFuture<Void>> readFutures = new ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    ByteBuffer dst = ByteBuffer.allocate(4096 * (1 + i % 3));
                    reads.add(dst);
                    readFutures.add(front.submitRead(i * 3 * 4096L, dst));
                }
                waiter(host, engine, random).await(CompletableFuture.allOf(readFutures.toArray(CompletableFuture[]::new)));
                for (int i = 0; i < 48; i++) {
                    int at = i * 3 * 4096;
                    assertThat(reads.get(i).array()).isEqualTo(Arrays.copyOfRange(model, at, at + reads.get(i).capacity()));
                }
                assertThat(Files.readAllBytes(file.path())).isEqualTo(model);
                assertThat(back.metrics().errors()).isZero();
                assertThat(back.metrics().requests()).isEqualTo(96);
                assertThat(back.metrics().bytesWritten()).isEqualTo(back.metrics().bytesRead());
                assertThat(back.inFlight()).isZero();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * A completion wakes a parked runner: the engine finishing an operation is work for the
     * backend (a response to push) just as a frontend notification is, so {@link Blkback#onKick}
     * runs for it too; without that a runner with back-off sleeps out its park period first.
     */
    @Test
    void anEngineCompletionRunsTheKickHook() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            DeferredEngine engine = new DeferredEngine(file);
            Random random = new Random(3);
            GuestKernel guest = host.boot(1024);
            java.util.concurrent.atomic.AtomicInteger kicks = new java.util.concurrent.atomic.AtomicInteger();
            Blkback back = host.backend(engine, BlkifDeviceProfile.of(engine, 32), "blkback.1.51712")
                    .withPipelining(MAX_IN_FLIGHT).onKick(kicks::incrementAndGet);
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, waiter(host, engine, random));
            BlkifTestHost.connect(guest, front, back);
            CompletableFuture<Void> write = front.submitWrite(0, ByteBuffer.wrap(new byte[4096]), false);
            for (int i = 0; i < 1000 && engine.pending() == 0; i++) {
                host.step(); // the backend takes the request and starts it on the engine
            }
            assertThat(engine.pending()).isEqualTo(1);
            int before = kicks.get();
            assertThat(engine.completeOne(random)).isTrue();
            assertThat(kicks.get()).as("kicks after the engine completed").isEqualTo(before + 1);
            waiter(host, engine, random).await(write);
            write.join();
        }
    }

    /** Flushes are FLUSH_DISKCACHE with feature-flush-cache, bare WRITE_BARRIERs with only feature-barrier. */
    @ParameterizedTest(name = "flush-cache {0}")
    @ValueSource(booleans = {true, false})
    void barriersAndFlushesDrainBeforeAndAfterAndAreAnsweredAfterTheEnginesFlush(boolean flushCache) {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
                DeferredEngine engine = new DeferredEngine(file);
                Random random = new Random(seed);
                GuestKernel guest = host.boot(1024);
                BlkifDeviceProfile profile = new BlkifDeviceProfile(DISK / 512, 512, false, flushCache, true, true,
                        false, 32);
                Blkback back = host.backend(engine, profile, "blkback.1.51712").withPipelining(MAX_IN_FLIGHT);
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, waiter(host, engine, random));
                BlkifTestHost.connect(guest, front, back);

                byte[] model = new byte[DISK];
                List<CompletableFuture<Void>> all = new ArrayList<>();
                List<String> failures = new ArrayList<>();
                int flushes = 0;
                for (int i = 0; i < 120; i++) {
                    if (random.nextInt(6) == 0) {
                        int before = engine.flushesCompleted;
                        int ordinal = ++flushes;
                        // Every flush before it was answered, so this one's engine flush is number >= ordinal.
                        all.add(front.submitFlush().thenRun(() -> {
                            if (engine.flushesCompleted < ordinal || engine.flushesCompleted <= before) {
                                failures.add("flush " + ordinal + " answered before the engine flushed");
                            }
                        }));
                        continue;
                    }
                    byte[] data = new byte[512 * (1 + random.nextInt(16))];
                    random.nextBytes(data);
                    int offset = random.nextInt(DISK / 512 - 16) * 512;
                    System.arraycopy(data, 0, model, offset, data.length);
                    all.add(front.submitWrite(offset, ByteBuffer.wrap(data), false));
                    // Overlapping writes in flight together have no order in blkif; wait for this one
                    // now and then so that the model is the order of completion it saw.
                    waiter(host, engine, random).await(all.getLast());
                }
                waiter(host, engine, random).await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
                all.forEach(CompletableFuture::join);
                assertThat(failures).isEmpty();
                assertThat(engine.violations).isEmpty();
                assertThat(flushes).isPositive();
                assertThat(engine.flushesCompleted).isEqualTo(flushes);
                assertThat(Files.readAllBytes(file.path())).isEqualTo(model);
                assertThat(back.metrics().errors()).isZero();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void flushesBetweenConcurrentWritesWaitForThem() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
                DeferredEngine engine = new DeferredEngine(file);
                Random random = new Random(seed);
                GuestKernel guest = host.boot(1024);
                Blkback back = host.backend(engine, BlkifDeviceProfile.of(engine, 32), "blkback.1.51712")
                        .withPipelining(MAX_IN_FLIGHT);
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, waiter(host, engine, random));
                BlkifTestHost.connect(guest, front, back);
                // Writes to distinct blocks and flushes all in flight at once: the backend must
                // hold each flush until the writes before it are answered, and hold the writes
                // after it until it is.
                List<CompletableFuture<Void>> all = new ArrayList<>();
                byte[] model = new byte[DISK];
                for (int i = 0; i < 60; i++) {
                    if (i % 10 == 9) {
                        all.add(front.submitFlush());
                        continue;
                    }
                    byte[] data = new byte[4096];
                    random.nextBytes(data);
                    System.arraycopy(data, 0, model, i * 4096, 4096);
                    all.add(front.submitWrite(i * 4096L, ByteBuffer.wrap(data), false));
                }
                waiter(host, engine, random).await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
                all.forEach(CompletableFuture::join);
                assertThat(engine.violations).isEmpty();
                assertThat(engine.flushesCompleted).isEqualTo(6);
                assertThat(back.metrics().inFlightMax()).isGreaterThan(1);
                assertThat(Files.readAllBytes(file.path())).isEqualTo(model);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * A hand-made frontend pushes four writes, a {@code WRITE_BARRIER} carrying data, and four
     * more writes in one go: the barrier's response comes after all four earlier ones and before
     * any later one, and on disk the barrier's data sits where it was written.
     */
    @Test
    void aWriteBarrierWithDataIsAnsweredBetweenTheRequestsBeforeAndAfterIt() {
        Seeds.run(seed -> {
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
                DeferredEngine engine = new DeferredEngine(file);
                Random random = new Random(seed);
                GuestKernel guest = host.boot(1024);
                GrantTableClient grants = guest.grantTable();
                Blkback back = host.backend(engine, BlkifDeviceProfile.of(engine, 32), "blkback.1.51712")
                        .withPipelining(MAX_IN_FLIGHT);
                long ringGfn = guest.pages().allocPage();
                java.lang.foreign.MemorySegment page = guest.memory().page(ringGfn);
                page.fill((byte) 0);
                int[] ref = new int[1];
                assertThat(grants.grantForeignAccess(0, ringGfn, false, ref)).isZero();
                io.jxen.memory.ring.FrontRing ring = io.jxen.memory.ring.FrontRing.init(
                        new io.jxen.memory.ring.SharedRing(page, io.jxen.abi.blkif.BlkifSringDescriptor.X86_64.ENTRY_SIZE));
                int irq = guest.intr().allocAndBindLocalPort("raw", 0, io.jxen.guest.intr.IrqHandler.filter(() -> { }));
                assertThat(back.connect(new BlkbackConnection(guest.domid(), List.of(ref[0]), guest.intr().port(irq),
                        io.jxen.abi.XenAbi.X86_64))).isTrue();
                java.lang.foreign.MemorySegment slot = java.lang.foreign.MemorySegment.ofArray(new long[14]);
                for (int i = 0; i < 9; i++) {
                    long data = guest.pages().allocPage();
                    guest.memory().page(data).fill((byte) (i + 1));
                    int[] dataRef = new int[1];
                    assertThat(grants.grantForeignAccess(0, data, true, dataRef)).isZero();
                    slot.fill((byte) 0);
                    io.jxen.abi.blkif.BlkifRequestFlyweight req =
                            new io.jxen.abi.blkif.BlkifRequestFlyweight(io.jxen.abi.XenAbi.X86_64).wrap(slot, 0);
                    req.setOperation(i == 4 ? io.jxen.abi.blkif.BlkifOp.WRITE_BARRIER : io.jxen.abi.blkif.BlkifOp.WRITE);
                    req.setNrSegments(1);
                    req.setId(i);
                    req.setSectorNumber(i * 8L);
                    req.setSegment(0, dataRef[0], 0, 7);
                    ring.putRequest(slot.asSlice(0, io.jxen.abi.blkif.BlkifSringDescriptor.X86_64.ENTRY_SIZE));
                }
                if (ring.pushRequestsAndCheckNotify()) {
                    guest.intr().notify(irq);
                }
                List<Long> answered = new ArrayList<>();
                java.lang.foreign.MemorySegment copy = java.lang.foreign.MemorySegment.ofArray(new long[14]);
                for (int turns = 0; answered.size() < 9; turns++) {
                    assertThat(turns).as("progress").isLessThan(10_000);
                    host.step();
                    engine.completeOne(random);
                    for (int n = ring.unconsumedResponses(); n > 0; n--) {
                        ring.copyResponse(copy);
                        io.jxen.abi.blkif.BlkifResponseFlyweight rsp =
                                new io.jxen.abi.blkif.BlkifResponseFlyweight(io.jxen.abi.XenAbi.X86_64).wrap(copy, 0);
                        assertThat((int) rsp.getStatus()).isZero();
                        answered.add(rsp.getId());
                    }
                }
                assertThat(answered.subList(0, 4)).containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
                assertThat(answered.get(4)).as("the barrier, between").isEqualTo(4L);
                assertThat(answered.subList(5, 9)).containsExactlyInAnyOrder(5L, 6L, 7L, 8L);
                assertThat(engine.violations).isEmpty();
                assertThat(engine.flushesCompleted).isEqualTo(1);
                byte[] image = Files.readAllBytes(file.path());
                for (int i = 0; i < 9; i++) {
                    byte[] expected = new byte[4096];
                    Arrays.fill(expected, (byte) (i + 1));
                    assertThat(Arrays.copyOfRange(image, i * 4096, i * 4096 + 4096)).as("request %d", i)
                            .isEqualTo(expected);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void pipeliningNeedsAnEngineAndTheSynchronousPathStaysTheDefault() throws IOException {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine file = host.image(DISK)) {
            Blkback plain = host.backend(file, BlkifDeviceProfile.of(file, 32), "blkback.1.51712");
            assertThat(plain.pipelined()).isFalse();
            Blkback onMemory = host.backend(new io.jxen.drivers.block.MemoryBlockDevice(DISK, false),
                    BlkifDeviceProfile.of(file, 32), "blkback.1.51728");
            assertThatThrownBy(() -> onMemory.withPipelining(4)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Steps the host and completes engine operations in a seeded order until {@code future} is done. */
    static CompletionWaiter waiter(BlkifTestHost host, DeferredEngine engine, Random random) {
        return future -> {
            int idle = 0;
            while (!future.isDone()) {
                int work = host.step();
                // Let operations pile up now and then, so several are in flight at once.
                if (random.nextInt(3) == 0 && engine.completeOne(random)) {
                    work++;
                }
                if (work == 0 && !engine.completeOne(random) && ++idle > 1000) {
                    throw new AssertionError("no progress; engine pending " + engine.pending());
                }
            }
        };
    }

    private static List<Integer> sorted(List<Integer> list) {
        List<Integer> copy = new ArrayList<>(list);
        copy.sort(null);
        return copy;
    }
}
