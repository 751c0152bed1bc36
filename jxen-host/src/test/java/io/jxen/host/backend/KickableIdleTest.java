package io.jxen.host.backend;

import io.jxen.runtime.SpareCore;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blkback runner's idle: polls unarmed while a core is spare and within its window, re-arms
 * (the final check) before it sleeps, does not sleep when the final check finds work or a kick
 * came first, and sleeps without a timeout until kicked.
 */
class KickableIdleTest {

    @Test
    void pollsWithoutArmingWhileACoreIsSpareThenArmsAndSleepsUntilKicked() throws Exception {
        AtomicLong now = new AtomicLong();
        AtomicInteger finalChecks = new AtomicInteger();
        CountDownLatch armed = new CountDownLatch(1);
        KickableIdle idle = new KickableIdle(() -> {
            finalChecks.incrementAndGet();
            armed.countDown();
            return false;
        }, SpareCore.fixed(true), now::get, 1_000, 0);
        for (int i = 0; i < 100; i++) {
            idle.idle(0); // within the window: polls
        }
        assertThat(finalChecks).hasValue(0);
        assertThat(idle.parks()).isZero();

        now.addAndGet(1_000); // the window is over: arm, then sleep
        Thread runner = Thread.ofPlatform().start(() -> idle.idle(0));
        assertThat(armed.await(30, TimeUnit.SECONDS)).isTrue();
        // Kicked while parking or parked: either way it returns (a kick before the park is remembered).
        idle.kick();
        runner.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(runner.isAlive()).as("runner still asleep after the kick").isFalse();
        assertThat(finalChecks).hasValue(1);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void theKickFlagNotTheParkPermitEndsTheSleep() throws Exception {
        // A kick's unpark can be taken by a lock the runner waits for between its look at the
        // flag and its park (the lost wake-up of the first line-wait version): so an unpark
        // without a kick must not end the sleep either, and the kick's flag must.
        CountDownLatch armed = new CountDownLatch(1);
        KickableIdle idle = new KickableIdle(() -> {
            armed.countDown();
            return false;
        }, SpareCore.fixed(false), () -> 0L, 0, 0);
        Thread runner = Thread.ofPlatform().start(() -> idle.idle(0));
        assertThat(armed.await(30, TimeUnit.SECONDS)).isTrue();
        while (idle.parks() < 1) {
            Thread.onSpinWait();
        }
        java.util.concurrent.locks.LockSupport.unpark(runner); // a stray unpark: no kick
        // The runner wakes, finds no kick and sleeps again (the old code returned instead).
        while (idle.parks() < 2 && runner.isAlive()) {
            Thread.onSpinWait();
        }
        assertThat(runner.isAlive()).as("a stray unpark ended the sleep").isTrue();
        assertThat(idle.parks()).isEqualTo(2);
        idle.kick();
        runner.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(runner.isAlive()).as("runner still asleep after the kick").isFalse();
    }

    @Test
    void sleepsAtOnceWithoutASpareCoreAndNotWhenTheFinalCheckFindsWork() {
        AtomicInteger finalChecks = new AtomicInteger();
        KickableIdle idle = new KickableIdle(() -> finalChecks.incrementAndGet() > 0, SpareCore.fixed(false),
                () -> 0L, 1_000_000, 0);
        idle.idle(0);
        assertThat(finalChecks).as("armed on the first idle turn, no polling").hasValue(1);
        assertThat(idle.parks()).as("requests came in before the event was armed").isZero();
    }

    @Test
    void afterArmingItYieldsAndLooksAtTheRingBeforeParking() {
        AtomicInteger finalChecks = new AtomicInteger();
        KickableIdle idle = new KickableIdle(() -> finalChecks.incrementAndGet() > 3, SpareCore.fixed(false),
                () -> 0L, 0, 10);
        idle.idle(0);
        assertThat(finalChecks).as("armed, then a look after each of three yields").hasValue(4);
        assertThat(idle.parks()).isZero();
    }

    @Test
    void aKickDuringTheYieldsEndsThem() {
        AtomicInteger finalChecks = new AtomicInteger();
        KickableIdle[] self = new KickableIdle[1];
        self[0] = new KickableIdle(() -> {
            if (finalChecks.incrementAndGet() == 1) {
                self[0].kick(); // the interrupt lands right after the event was armed
            }
            return false;
        }, SpareCore.fixed(false), () -> 0L, 0, 10);
        self[0].idle(0);
        assertThat(finalChecks).as("the first yield sees the kick").hasValue(1);
        assertThat(self[0].parks()).isZero();
    }

    @Test
    void aKickBeforeTheTurnEndsIsNotLost() {
        AtomicInteger finalChecks = new AtomicInteger();
        KickableIdle idle = new KickableIdle(() -> {
            finalChecks.incrementAndGet();
            return false;
        }, SpareCore.fixed(false), () -> 0L, 0, 0);
        idle.kick(); // the interrupt came while the runner was working
        idle.idle(0);
        assertThat(idle.parks()).isZero();
        assertThat(finalChecks).hasValue(0);
    }

    @Test
    void workResetsThePollingWindow() {
        AtomicLong now = new AtomicLong();
        AtomicInteger finalChecks = new AtomicInteger();
        KickableIdle idle = new KickableIdle(() -> finalChecks.incrementAndGet() > 0, SpareCore.fixed(true),
                now::get, 1_000, 0);
        idle.idle(0);
        now.addAndGet(900);
        idle.idle(1); // a request came: the next idle stretch starts afresh
        idle.idle(0);
        now.addAndGet(900);
        idle.idle(0);
        assertThat(finalChecks).as("still within the new window").hasValue(0);
        now.addAndGet(100);
        idle.idle(0);
        assertThat(finalChecks).hasValue(1);
    }
}
