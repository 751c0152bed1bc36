package io.jxen.drivers.block.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestDescriptor;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifResponseEncoder;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.SharedRing;
import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SpareCore;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Polled completion ({@link PolledCompletions}): a caller takes responses off the ring itself
 * with {@code rsp_event} left behind (the backend's push raises no event), and the ring's event
 * is armed again whenever nobody polls. The backend here is the test: dom0 maps the ring and
 * answers by hand, so the test sees the shared ring's fields and whether each push asked for
 * an event; the guest's interrupt handler runs only when the test polls its vCPU.
 */
class BlkfrontPolledCompletionTest {

    private static final int DISK = 1 << 20;
    private static final int SLOT = BlkifSringDescriptor.X86_64.ENTRY_SIZE;

    private static Blkfront connected(BlkifTestHost host, GuestKernel guest, FileEngine disk, CompletionWaiter waiter)
            throws Exception {
        return new Blkfront(guest, guest.grantTable(), 0, 0, 32, false, waiter);
    }

    /** {@code front} connected to a backend played by the test (window 0), device properties read. */
    private static HandBackend handBackend(BlkifTestHost host, GuestKernel guest, Blkfront front, FileEngine disk)
            throws Exception {
        FrontendRing ring = front.connect(features(disk));
        HandBackend back = new HandBackend(host, guest, ring, 0);
        front.deviceProperties(features(disk));
        return back;
    }

    private static BackendFeatures features(FileEngine disk) {
        return BlkifTestHost.features(BlkifDeviceProfile.of(disk, 32), false);
    }

    private static CompletableFuture<Void> read(Blkfront front, int block) throws Exception {
        return front.submitRead((long) block * 4096, ByteBuffer.allocate(4096));
    }

    @Test
    void whilePollingTheResponseEventStaysBehindAndTheLastPollerToStopArmsIt() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            Random random = new Random(1);
            SharedRing shared = back.shared();
            assertThat(shared.responseEvent()).as("SHARED_RING_INIT arms rsp_event at 1").isEqualTo(1);

            PolledCompletions.Polling first = front.startPolling();
            PolledCompletions.Polling second = front.startPolling();
            assertThat(shared.responseEvent()).as("unarmed: rsp_event = rsp_cons").isEqualTo(0);
            for (int i = 0; i < 5; i++) {
                CompletableFuture<Void> r = read(front, i);
                assertThat(back.take()).isEqualTo(1);
                assertThat(first.reap()).as("nothing answered yet").isZero();
                assertThat(back.answer(1, random)).as("a push while someone polls raises no event").isFalse();
                assertThat(r).isNotDone();
                assertThat((i % 2 == 0 ? first : second).reap()).isEqualTo(1);
                assertThat(r).isCompleted();
                assertThat(shared.responseEvent()).as("still behind rsp_cons " + (i + 1)).isEqualTo(0);
            }
            assertThat(front.polledCompletions()).isEqualTo(5);

            first.close();
            first.close(); // idempotent: one poller is still there
            assertThat(front.polling()).isTrue();
            assertThat(shared.responseEvent()).as("another poller is still polling").isEqualTo(0);
            second.close();
            assertThat(front.polling()).isFalse();
            assertThat(shared.responseEvent()).as("armed: rsp_cons + 1").isEqualTo(6);

            CompletableFuture<Void> r = read(front, 9);
            back.take();
            assertThat(back.answer(1, random)).as("nobody polls: the push raises the event").isTrue();
            while (host.step() > 0) {
                // the guest's vCPU takes the event
            }
            assertThat(r).isCompleted();
            assertThat(front.polledCompletions()).as("the interrupt handler took that one").isEqualTo(5);
            assertThat(shared.responseEvent()).isEqualTo(7);
            assertThat(back.events).isEqualTo(1);
            assertThat(front.failure()).isNull();
        }
    }

    @Test
    void aOneShotPollTakesWhatIsThereAndLeavesTheEventArmed() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            Random random = new Random(2);
            CompletableFuture<Void> a = read(front, 0);
            CompletableFuture<Void> b = read(front, 1);
            back.take();
            assertThat(front.poll()).isZero();
            assertThat(back.answer(2, random)).as("armed since SHARED_RING_INIT").isTrue();
            assertThat(front.poll()).as("both taken by the caller before the vCPU runs").isEqualTo(2);
            assertThat(a).isCompleted();
            assertThat(b).isCompleted();
            assertThat(back.shared().responseEvent()).as("re-armed after the poll").isEqualTo(3);
            while (host.step() > 0) {
                // the event finds nothing left: taken once only
            }
            assertThat(front.failure()).isNull();
            assertThat(front.inFlight()).isZero();
        }
    }

    @Test
    void aBackendThatStopsAnsweringMakesThePollerGiveUpAndTheInterruptCompletesTheRequest() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            Random random = new Random(3);
            // A real poll policy on a clock that moves 1 µs per look: deterministic windows.
            AtomicLong now = new AtomicLong();
            PollingWaiter waiter = new PollingWaiter(new HaltPoll(HaltPoll.Config.kvm(100_000), SpareCore.fixed(true),
                    () -> now.addAndGet(1_000)), 0, false); // blocks in the test's own wait, which steps the host
            HaltPoll.Window window = waiter.window();

            // First wait: the window is closed, so the caller blocks at once (here: steps the
            // host, the backend answers, the interrupt completes); the short wait opens the window.
            CompletableFuture<Void> r1 = read(front, 0);
            back.take();
            Object got = waiter.await(front, () -> r1.isDone() ? r1 : null, () -> {
                assertThat(back.answer(1, random)).isTrue();
                host.step();
                return r1;
            });
            assertThat(got).isSameAs(r1);
            assertThat(r1).isCompleted();
            assertThat(window.nanos()).as("grown after a short wait").isPositive();

            // Second wait: the backend answers only after the poller gave up. The event is armed
            // by then, so the push raises it and the interrupt handler completes the read.
            CompletableFuture<Void> r2 = read(front, 1);
            back.take();
            AtomicBoolean pushedNotified = new AtomicBoolean();
            waiter.await(front, () -> r2.isDone() ? r2 : null, () -> {
                assertThat(front.polling()).as("the poller gave up before blocking").isFalse();
                assertThat(back.shared().responseEvent()).as("armed before blocking").isEqualTo(2);
                pushedNotified.set(back.answer(1, random));
                while (host.step() > 0) {
                    // the vCPU takes the event
                }
                return r2;
            });
            assertThat(window.slept()).as("one poll ended without its completion").isEqualTo(1);
            assertThat(pushedNotified).as("the backend's push raised the event").isTrue();
            assertThat(r2).isCompleted();
            assertThat(front.polledCompletions()).as("nothing taken by the poller").isZero();

            // Third wait: the backend answers while the caller polls: no event, the caller takes it.
            // (Grow the window again first: the long second wait may have shrunk it.)
            for (int i = 0; window.nanos() == 0 && i < 4; i++) {
                CompletableFuture<Void> r = read(front, 2);
                back.take();
                waiter.await(front, () -> r.isDone() ? r : null, () -> {
                    back.answer(1, random);
                    host.step();
                    return r;
                });
            }
            assertThat(window.nanos()).isPositive();
            int eventsBefore = back.events;
            CompletableFuture<Void> r3 = read(front, 3);
            back.take();
            AtomicInteger looks = new AtomicInteger();
            waiter.await(front, () -> {
                if (looks.incrementAndGet() == 3) {
                    assertThat(back.answer(1, random)).as("pushed while polled: no event").isFalse();
                }
                return r3.isDone() ? r3 : null;
            }, () -> {
                throw new AssertionError("the poller should have taken the response");
            });
            assertThat(r3).isCompleted();
            assertThat(back.events).isEqualTo(eventsBefore);
            assertThat(front.polledCompletions()).isEqualTo(1);
            assertThat(front.polling()).isFalse();
            assertThat(back.shared().responseEvent()).as("armed after the poll")
                    .isEqualTo(front.requestsSent() > 0 ? (int) front.requestsSent() + 1 : 1);
        }
    }

    @Test
    void withNoSpareCoreTheCallerOnlyYieldsBetweenReapsAndStillTakesAResponsePushedMeanwhileWithoutAnEvent()
            throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            Random random = new Random(6);
            AtomicLong now = new AtomicLong();
            PollingWaiter waiter = new PollingWaiter(new HaltPoll(HaltPoll.Config.kvm(100_000), SpareCore.fixed(false),
                    () -> now.addAndGet(1_000)), 3, false);
            assertThat(waiter.polls()).as("no spare core: no spinning, so transfers stay striped").isFalse();

            CompletableFuture<Void> r = read(front, 0);
            back.take();
            AtomicInteger looks = new AtomicInteger();
            waiter.await(front, () -> {
                if (looks.incrementAndGet() == 2) { // after the first yield
                    assertThat(back.answer(1, random)).as("pushed while the caller yields: no event").isFalse();
                }
                return r.isDone() ? r : null;
            }, () -> {
                throw new AssertionError("the yielding caller should have taken the response");
            });
            assertThat(front.polledCompletions()).isEqualTo(1);
            assertThat(back.events).isZero();
            assertThat(back.shared().responseEvent()).as("armed once the caller stopped").isEqualTo(2);

            // Nothing comes within the yields: the caller arms, blocks, and the interrupt completes it.
            CompletableFuture<Void> late = read(front, 1);
            back.take();
            waiter.await(front, () -> late.isDone() ? late : null, () -> {
                assertThat(back.answer(1, random)).as("armed: the push raises the event").isTrue();
                while (host.step() > 0) {
                    // the vCPU takes the event
                }
                return late;
            });
            assertThat(late).isCompleted();
            assertThat(front.polledCompletions()).isEqualTo(1);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aBlockedCallerSleepsOnTheInterruptLineAndTakesItsCompletionInterruptItself() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            PollingWaiter waiter = new PollingWaiter(HaltPoll.off(), 0, true); // no polling: straight to the line
            io.jxen.hypercall.InterruptLine line = guest.vcpu(0).interruptLine();
            assertThat(front.interruptVcpus()).containsExactly(guest.vcpu(0));

            CompletableFuture<Void> r = read(front, 0);
            back.take();
            java.util.concurrent.atomic.AtomicReference<Thread> completedOn = new java.util.concurrent.atomic.AtomicReference<>();
            r.whenComplete((v, e) -> completedOn.set(Thread.currentThread()));
            // The backend answers from its own thread once the caller sleeps on the line.
            Thread backend = Thread.ofPlatform().start(() -> {
                while (!line.attached()) {
                    Thread.onSpinWait();
                }
                back.answer(1, new Random(7));
            });
            waiter.await(r, front);
            backend.join();
            assertThat(r).isCompleted();
            assertThat(completedOn.get()).as("the caller ran the upcall that completed it").isSameAs(Thread.currentThread());
            assertThat(back.events).as("armed: the push raised the event").isEqualTo(1);
            assertThat(line.taken()).isEqualTo(1);
            assertThat(line.attached()).isFalse();
            assertThat(front.polledCompletions()).as("taken by the interrupt handler, not by polling").isZero();

            // A second caller finds the device's sleeper slot taken and blocks its own way.
            assertThat(front.claimSleeper()).isTrue();
            CompletableFuture<Void> second = read(front, 1);
            back.take();
            AtomicInteger blocked = new AtomicInteger();
            waiter.await(front, () -> second.isDone() ? second : null, () -> {
                blocked.incrementAndGet();
                back.answer(1, new Random(8));
                while (host.step() > 0) {
                    // the vCPU takes the event
                }
                return second;
            });
            front.releaseSleeper();
            assertThat(blocked.get()).isEqualTo(1);
            assertThat(second).isCompleted();
        }
    }

    @Test
    void aDeviceFailedWhileSomeonePollsCompletesThePollersRequestsWithTheError() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            PolledCompletions.Polling polling = front.startPolling();
            CompletableFuture<Void> a = read(front, 0);
            CompletableFuture<Void> b = read(front, 1);
            back.take();
            // A response naming no request in flight.
            back.encoder.encode(back.back.responseSlot(), 0, 1000, BlkifOp.READ, BlkifRsp.OKAY);
            back.back.produceResponse();
            assertThat(back.back.pushResponsesAndCheckNotify()).as("someone polls: no event").isFalse();
            polling.reap();
            assertThat(front.failure()).as("the poller's drain failed the device").isNotNull();
            assertThat(a).isCompletedExceptionally();
            assertThat(b).isCompletedExceptionally();
            polling.close();
            assertThat(front.polling()).isFalse();
            assertThat(polling.reap()).isZero();
            assertThat(front.poll()).isZero();
        }
    }

    @Test
    void aRequestReplayedOntoANewRingWhileSomeonePollsIsTakenByThePollerWithoutAnEvent() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            Random random = new Random(5);
            PolledCompletions.Polling polling = front.startPolling();
            CompletableFuture<Void> answered = read(front, 0);
            CompletableFuture<Void> replayed = read(front, 1);
            assertThat(back.take()).isEqualTo(2);
            // The backend answers the first, not the second, and goes away.
            long[] second = back.taken.remove(1);
            assertThat(back.answer(1, random)).isFalse();
            front.backendGone();
            assertThat(answered).as("taken off the ring by backendGone").isCompleted();
            assertThat(replayed).isNotDone();
            assertThat(polling.reap()).as("no ring: nothing to take").isZero();

            // The next backend: the new ring is unarmed from the start, someone still polls.
            FrontendRing next = front.connect(features(disk));
            HandBackend back2 = new HandBackend(host, guest, next, 1);
            assertThat(back2.shared().responseEvent()).as("unarmed: rsp_event = rsp_cons = 0").isZero();
            front.deviceProperties(features(disk));
            assertThat(back2.take()).as("the unanswered read, replayed").isEqualTo(1);
            assertThat(back2.taken.getFirst()[1]).isEqualTo(second[1]);
            assertThat(back2.answer(1, random)).as("someone polls: no event").isFalse();
            assertThat(polling.reap()).isEqualTo(1);
            assertThat(replayed).isCompleted();
            assertThat(front.replayedRequests()).isEqualTo(1);
            polling.close();
            assertThat(back2.shared().responseEvent()).as("armed: rsp_cons + 1").isEqualTo(2);
            assertThat(front.failure()).isNull();
        }
    }

    @Test
    void aPollerThreadRacingTheInterruptHandlerTakesEveryResponseExactlyOnce() throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            Random random = new Random(seed);
            try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
                GuestKernel guest = host.boot(1024);
                Blkfront front = connected(host, guest, disk, host.waiter());
                HandBackend back = handBackend(host, guest, front, disk);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> pollerFailure = new AtomicReference<>();
                long pollerSeed = seed;
                Thread poller = Thread.ofPlatform().name("poller").start(() -> {
                    Random r = new Random(pollerSeed * 7919);
                    try {
                        while (!stop.get()) {
                            try (PolledCompletions.Polling polling = front.startPolling()) {
                                for (int i = r.nextInt(200); i > 0; i--) {
                                    polling.reap();
                                    Thread.onSpinWait();
                                }
                            }
                            front.poll();
                        }
                    } catch (Throwable t) {
                        pollerFailure.set(t);
                    }
                });
                AtomicInteger completions = new AtomicInteger();
                int submitted = 0;
                try {
                    for (int round = 0; round < 3000; round++) {
                        if (front.inFlight() < 24 && random.nextBoolean()) {
                            read(front, random.nextInt(DISK / 4096)).whenComplete((v, t) -> completions.incrementAndGet());
                            submitted++;
                        }
                        back.take();
                        if (random.nextInt(3) == 0) {
                            back.answer(1 + random.nextInt(4), random);
                        }
                        guest.vcpu(0).poll(); // the interrupt handler, racing the poller thread
                    }
                } finally {
                    stop.set(true);
                    poller.join();
                }
                assertThat(pollerFailure.get()).isNull();
                for (int i = 0; i < 50 && front.inFlight() > 0; i++) {
                    back.take();
                    back.answer(64, random);
                    while (host.step() > 0) {
                        // the vCPU takes the event
                    }
                }
                assertThat(front.failure()).as("seed " + seed + ": a response taken twice names no request in flight")
                        .isNull();
                assertThat(front.inFlight()).as("seed " + seed).isZero();
                assertThat(completions.get()).as("seed " + seed).isEqualTo(submitted);
                assertThat(back.shared().responseEvent()).as("seed " + seed + ": armed at the end")
                        .isEqualTo(submitted + 1);
            }
        }
    }

    @Test
    void pollerAndInterruptInterleavedAtRandomTakeEveryResponseExactlyOnce() throws Exception {
        for (long seed = 1; seed <= 60; seed++) {
            try {
                interleave(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void interleave(long seed) throws Exception {
        Random random = new Random(seed);
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            Blkfront front = connected(host, guest, disk, host.waiter());
            HandBackend back = handBackend(host, guest, front, disk);
            SharedRing shared = back.shared();
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            List<PolledCompletions.Polling> open = new ArrayList<>();
            // One response per request (single-slot reads): rsp_cons is the count of completions,
            // all of which happen on this thread before the call that took them returns.
            AtomicInteger completions = new AtomicInteger();
            int submitted = 0;
            for (int step = 0; step < 400; step++) {
                switch (random.nextInt(7)) {
                    case 0, 1 -> {
                        if (front.inFlight() < 24) {
                            CompletableFuture<Void> r = read(front, random.nextInt(DISK / 4096));
                            r.whenComplete((v, t) -> completions.incrementAndGet());
                            reads.add(r);
                            submitted++;
                        }
                    }
                    case 2 -> {
                        back.take();
                        int before = shared.responseProducer();
                        boolean event = back.answer(1 + random.nextInt(4), random);
                        if (open.isEmpty() && before == completions.get() && shared.responseProducer() != before) {
                            assertThat(event).as("nobody polls and the front had taken everything: the push "
                                    + "must raise the event").isTrue();
                        }
                        if (!open.isEmpty()) {
                            assertThat(event).as("someone polls: no event").isFalse();
                        }
                    }
                    case 3 -> {
                        if (!open.isEmpty()) {
                            open.get(random.nextInt(open.size())).reap();
                        } else {
                            front.poll();
                        }
                    }
                    case 4 -> guest.vcpu(0).poll(); // the interrupt handler, when an event is pending
                    case 5 -> {
                        if (open.size() < 3) {
                            open.add(front.startPolling());
                        }
                    }
                    default -> {
                        if (!open.isEmpty()) {
                            open.remove(random.nextInt(open.size())).close();
                        }
                    }
                }
                int consumed = completions.get();
                if (open.isEmpty()) {
                    if (shared.responseProducer() == consumed) {
                        assertThat(shared.responseEvent()).as("armed (rsp_cons + 1) while nobody polls, step " + step)
                                .isEqualTo(consumed + 1);
                    }
                } else {
                    assertThat(front.polling()).isTrue();
                    assertThat(Integer.compareUnsigned(shared.responseEvent(), consumed))
                            .as("unarmed (rsp_event <= rsp_cons) while someone polls, step " + step).isLessThanOrEqualTo(0);
                }
            }
            open.forEach(PolledCompletions.Polling::close);
            // Only the backend and the interrupt path from here: a response left untaken with no
            // event armed would stay so, and the requests would stay in flight.
            for (int i = 0; i < 50 && front.inFlight() > 0; i++) {
                back.take();
                back.answer(64, random);
                while (host.step() > 0) {
                    // the vCPU takes the event
                }
            }
            assertThat(front.failure()).as("a response taken twice would name no request in flight").isNull();
            assertThat(front.inFlight()).isZero();
            assertThat(completions.get()).isEqualTo(submitted);
            for (CompletableFuture<Void> r : reads) {
                assertThat(r).isCompleted();
            }
        }
    }
}
