package io.jxen.drivers.block.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifRequestDescriptor;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifResponseEncoder;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hypercall.ChannelPoller;
import io.jxen.hypercall.InterruptLine;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.SharedRing;
import io.jxen.runtime.HaltPoll;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A blocking blkfront call lends its thread to an in-process backend
 * ({@link ChannelPoller}, {@link ThreadLoan}): it enters before it pushes, serves the ring
 * through the backend's poller while it waits with the response event unarmed, and ends the loan
 * before it sleeps. The backend is the test: dom0 maps the ring and answers by hand, and its
 * poller (attached to its end of the event channel through the hypervisor) records who calls it
 * and when.
 */
class BlkfrontLendingTest {

    private static final int DISK = 1 << 20;
    private static final int SLOT = BlkifSringDescriptor.X86_64.ENTRY_SIZE;

    /** A poller that records its calls; {@code serves} says whether a poll answers the ring. */
    private static final class RecordingPoller implements ChannelPoller {
        final HandBackend backend;
        final boolean serves;
        final InterruptLine callersLine;
        final AtomicInteger enters = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger leaves = new AtomicInteger();
        final AtomicInteger pushedBeforeEnter = new AtomicInteger(-1);
        final AtomicReference<Thread> polledOn = new AtomicReference<>();
        final AtomicBoolean sleepingAtLeave = new AtomicBoolean();
        final CountDownLatch left = new CountDownLatch(1);
        volatile boolean closed;

        RecordingPoller(HandBackend backend, boolean serves, InterruptLine callersLine) {
            this.backend = backend;
            this.serves = serves;
            this.callersLine = callersLine;
        }

        @Override
        public boolean enter() {
            if (closed) {
                return false;
            }
            enters.incrementAndGet();
            pushedBeforeEnter.set(backend.back.unconsumedRequests());
            return true;
        }

        @Override
        public int poll() {
            polls.incrementAndGet();
            polledOn.set(Thread.currentThread());
            return serves ? backend.answerAll() : 0;
        }

        @Override
        public void leave() {
            leaves.incrementAndGet();
            sleepingAtLeave.set(callersLine.attached());
            left.countDown();
        }
    }

    @Test
    @Timeout(60)
    void aBlockingReadIsServedOnTheCallersThreadAndItsResponseRaisesNoEvent() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig rig = Rig.of(host, disk);
            Blkfront front = rig.front();
            HandBackend back = rig.back();
            RecordingPoller poller = rig.attach(host, true);

            front.read(0, ByteBuffer.allocate(4096));

            assertThat(poller.enters).hasValue(1);
            assertThat(poller.pushedBeforeEnter).as("requests on the ring when the caller entered").hasValue(0);
            assertThat(poller.polledOn.get()).isSameAs(Thread.currentThread());
            assertThat(poller.leaves).hasValue(1);
            assertThat(back.events).as("events for the response (the caller polled)").isZero();
            assertThat(front.polledCompletions()).isEqualTo(1);
            assertThat(front.polling()).isFalse();

            front.write(0, ByteBuffer.allocate(4096), false);
            front.flush();
            assertThat(poller.enters).hasValue(3);
            assertThat(poller.leaves).hasValue(3);
            assertThat(back.events).isZero();
            assertThat(front.failure()).isNull();
        }
    }

    @Test
    @Timeout(60)
    void aCallerThatCannotServeEndsItsLoanBeforeItSleeps() throws Exception {
        // Otherwise a request pushed meanwhile by a thread that does not lend (a completion
        // handler submitting a FUA write's flush) would wait on a sleeping lender: qemu-img
        // convert through the PV path hung so.
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig rig = Rig.of(host, disk);
            GuestKernel guest = rig.guest();
            Blkfront front = rig.front();
            HandBackend back = rig.back();
            InterruptLine line = guest.vcpu(0).interruptLine();
            RecordingPoller poller = rig.attach(host, false);

            AtomicBoolean leftFirst = new AtomicBoolean();
            Thread backend = Thread.ofPlatform().start(() -> {
                try {
                    leftFirst.set(poller.left.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                back.answerAll(); // the caller, asleep on its line by now or soon, takes the event
            });
            front.read(0, ByteBuffer.allocate(4096));
            backend.join();

            assertThat(leftFirst).as("the loan ended before the backend answered").isTrue();
            assertThat(poller.sleepingAtLeave).as("the caller was asleep on its line when it left").isFalse();
            assertThat(poller.polls.get()).isPositive();
            assertThat(poller.leaves).hasValue(1);
            assertThat(back.events).as("the response, after the loan, raised the event").isEqualTo(1);
            assertThat(front.failure()).isNull();
        }
    }

    @Test
    @Timeout(60)
    void aCallerOfTheAsynchronousApiServesTheRingWhileItWaitsWithoutEntering() throws Exception {
        // Its requests went out with their events (the runner serves them too): it only helps.
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig rig = Rig.of(host, disk);
            Blkfront front = rig.front();
            HandBackend back = rig.back();
            RecordingPoller poller = rig.attach(host, true);

            java.util.concurrent.CompletableFuture<Void> r = front.submitRead(0, ByteBuffer.allocate(4096));
            Object got = front.await(() -> r.isDone() ? r : null, () -> {
                throw new AssertionError("slept: the ring was not served");
            });
            assertThat(got).isSameAs(r);
            assertThat(poller.polledOn.get()).isSameAs(Thread.currentThread());
            assertThat(poller.enters).as("entered after its push, to no purpose").hasValue(0);
            assertThat(poller.leaves).hasValue(0);
            assertThat(back.events).isZero();

            // With more than one request in flight it does not help: the runner serves a queue.
            java.util.concurrent.CompletableFuture<Void> a = front.submitRead(0, ByteBuffer.allocate(4096));
            assertThat(ThreadLoan.visit(front).lent()).as("one request in flight").isTrue();
            java.util.concurrent.CompletableFuture<Void> b = front.submitRead(4096, ByteBuffer.allocate(4096));
            assertThat(ThreadLoan.visit(front).lent()).as("two requests in flight").isFalse();
            back.answerAll();
            front.poll();
            assertThat(a).isCompleted();
            assertThat(b).isCompleted();
        }
    }

    @Test
    void aBackendInTheSameProcessWithoutAPollerGetsNoLender() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            Rig rig = Rig.of(host, disk);
            GuestKernel guest = rig.guest();
            Blkfront front = rig.front();
            HandBackend back = rig.back();
            assertThat(front.enterBackend()).isNull();
            RecordingPoller poller = rig.attach(host, true);
            assertThat(front.enterBackend()).as("looked up again: attached since").isSameAs(poller);
            poller.leave();
            assertThat(host.dom0.intr().attachPoller(back.irq, null)).isTrue();
            for (int i = 0; i < Blkfront.POLLER_LOOKUPS; i++) {
                front.enterBackend(); // the cached poller, entered and left
                poller.leave();
            }
            assertThat(poller.enters.get()).isEqualTo(1 + Blkfront.POLLER_LOOKUPS);

            // The backend behind the cached poller goes (it takes no more lenders): the next
            // call looks the channel's far end up again and finds its successor.
            poller.closed = true;
            assertThat(front.enterBackend()).isNull();
            RecordingPoller next = new RecordingPoller(back, true, guest.vcpu(0).interruptLine());
            assertThat(host.dom0.intr().attachPoller(back.irq, next)).isTrue();
            assertThat(front.enterBackend()).isSameAs(next);
            next.leave();
        }
    }

    private static BackendFeatures features(FileEngine disk) {
        return BlkifTestHost.features(BlkifDeviceProfile.of(disk, 32), false);
    }

    /** A guest's blkfront (waiting on its interrupt lines, no polling window) and dom0's hand-made end. */
    private record Rig(GuestKernel guest, Blkfront front, HandBackend back) {

        static Rig of(BlkifTestHost host, FileEngine disk) throws Exception {
            GuestKernel guest = host.boot(1024);
            Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, false,
                    new PollingWaiter(HaltPoll.off(), 0, true));
            HandBackend back = new HandBackend(host, guest, front.connect(features(disk)), 0);
            front.deviceProperties(features(disk));
            return new Rig(guest, front, back);
        }

        /** A recording poller attached to dom0's end of the ring's channel. */
        RecordingPoller attach(BlkifTestHost host, boolean serves) {
            RecordingPoller poller = new RecordingPoller(back, serves, guest.vcpu(0).interruptLine());
            assertThat(host.dom0.intr().attachPoller(back.irq, poller)).isTrue();
            return poller;
        }
    }
}
