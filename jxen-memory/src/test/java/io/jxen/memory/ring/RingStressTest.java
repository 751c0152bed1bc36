package io.jxen.memory.ring;

import io.jxen.memory.futex.Doorbell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Front and back end on two platform threads, a million requests and responses, woken by
 * doorbells (futex) exactly when ring.h's notify rules say: nothing lost, duplicated or
 * reordered, and no side sleeps through a notification (it would stall to the deadline).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RingStressTest {

    private static final long COUNT = 1_000_000;

    @ParameterizedTest(name = "{0} page(s)")
    @ValueSource(ints = {1, 4})
    void aMillionRequestsAndResponsesAcrossTwoThreads(int pages) throws Exception {
        run(pages, 0, COUNT);
    }

    @Test
    void indicesWrapAtTwoToTheThirtyTwoMidRun() throws Exception {
        run(1, -50_000, 100_000);
    }

    private static void run(int pages, int start, long count) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment control = arena.allocate(4096, 4096);
            MemorySegment ringPages = arena.allocate(pages * 4096L, 4096);
            SharedRing ring = new SharedRing(ringPages, RingTraffic.ENTRY_SIZE);
            ring.initAt(start);
            FrontRing front = FrontRing.attach(ring, start);
            BackRing back = BackRing.attach(ring, start);
            Doorbell requests = new Doorbell(control, 0);
            Doorbell responses = new Doorbell(control, 64);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);

            // A wait slice far longer than the whole run: a slice that runs out is a lost wake-up.
            long slice = TimeUnit.SECONDS.toNanos(20);
            CompletableFuture<RingTraffic.Result> backResult = new CompletableFuture<>();
            AtomicBoolean frontRunning = new AtomicBoolean(true);
            Thread backThread = Thread.ofPlatform().name("ring-back").start(() -> {
                try {
                    backResult.complete(RingTraffic.runBack(back, requests, responses, count,
                            frontRunning::get, slice, deadline));
                } catch (Throwable t) {
                    backResult.completeExceptionally(t);
                }
            });
            RingTraffic.Result frontResult;
            try {
                frontResult = RingTraffic.runFront(front, requests, responses, count,
                        () -> !backResult.isCompletedExceptionally(), slice, deadline);
            } finally {
                frontRunning.set(false);
                requests.ring(); // a back end still waiting wakes and sees that the front end stopped
                backThread.join();
            }
            RingTraffic.Result backSide = backResult.get();

            long expected = RingTraffic.expectedChecksum(count);
            assertThat(backSide.checksum()).as("requests seen by the back end").isEqualTo(expected);
            assertThat(frontResult.checksum()).as("responses seen by the front end").isEqualTo(expected);
            assertThat(frontResult.timedOutWaits() + backSide.timedOutWaits()).as("lost wake-ups").isZero();
            assertThat(frontResult.waits() + backSide.waits()).as("the sides did sleep and were woken").isPositive();
            assertThat(ring.requestProducer()).isEqualTo(start + (int) count);
            assertThat(ring.responseProducer()).isEqualTo(start + (int) count);
        }
    }
}
