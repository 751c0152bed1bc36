package io.jxen.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The window policy of {@link HaltPoll} on a clock the test steps and a spare-core answer it
 * sets: KVM's grow / shrink / cap rules, the spare-core gate, and "off" reading nothing.
 */
class HaltPollTest {

    private static final long MAX = 200_000;
    private static final long START = 10_000;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger runnable = new AtomicInteger(0);
    /** Two cores; "spare" while runnable <= 2. Samples stand for SpareCore.SAMPLE_NANOS. */
    private final SpareCore spare = new SpareCore(runnable::get, 2, now::get);
    private final HaltPoll policy = new HaltPoll(HaltPoll.Config.kvm(MAX), spare, now::get);

    /** One halt: polls (each check of the condition advances the clock by {@code step}), then "sleeps" until {@code wakeAfter}. */
    private boolean halt(HaltPoll.Window w, long wakeAfter, long step) {
        long start = policy.start();
        boolean polled = policy.poll(start, w, () -> now.addAndGet(step) - start >= wakeAfter);
        if (!polled) {
            now.set(Math.max(now.get(), start + wakeAfter)); // the sleep ends at the wake-up
        }
        policy.finish(start, w, true);
        return polled;
    }

    @Test
    void aShortHaltGrowsTheWindowFromTheStartValueDoublingUpToTheCap() {
        HaltPoll.Window w = new HaltPoll.Window();
        assertThat(w.nanos()).isZero();
        assertThat(halt(w, 50_000, 100)).as("a closed window sleeps at once").isFalse();
        assertThat(w.nanos()).as("halt 50 us < cap: grow to the start value").isEqualTo(START);
        long[] expected = {20_000, 40_000, 80_000, 160_000, MAX, MAX};
        for (long e : expected) {
            halt(w, 150_000 + 40_000, 1_000); // 190 us: shorter than the cap, longer than the window
            assertThat(w.nanos()).isEqualTo(e);
        }
    }

    @Test
    void aHaltWithinTheWindowLeavesItAloneAndCostsNoSleep() {
        HaltPoll.Window w = new HaltPoll.Window();
        halt(w, 50_000, 100);
        halt(w, 50_000, 100);
        halt(w, 50_000, 100);
        assertThat(w.nanos()).isEqualTo(40_000);
        halt(w, 50_000, 100);
        assertThat(w.nanos()).isEqualTo(80_000);
        long polledBefore = w.polled();
        assertThat(halt(w, 30_000, 100)).as("the wake-up at 30 us comes while polling").isTrue();
        assertThat(w.polled()).isEqualTo(polledBefore + 1);
        assertThat(w.nanos()).as("success within the window: unchanged").isEqualTo(80_000);
    }

    @Test
    void aBlockLongerThanTheCapHalvesTheWindowAndBelowTheStartValueCloses() {
        HaltPoll.Window w = window(80_000);
        assertThat(halt(w, 5_000_000, 1_000)).as("polls the window, then sleeps").isFalse();
        assertThat(w.slept()).isEqualTo(1);
        assertThat(w.nanos()).isEqualTo(40_000);
        halt(w, 5_000_000, 1_000);
        assertThat(w.nanos()).isEqualTo(20_000);
        halt(w, 5_000_000, 1_000);
        assertThat(w.nanos()).isEqualTo(START);
        halt(w, 5_000_000, 1_000);
        assertThat(w.nanos()).as("5 us < the 10 us start value: closed").isZero();
        halt(w, 5_000_000, 1_000);
        assertThat(w.nanos()).as("a long block with a closed window stays closed").isZero();
    }

    @Test
    void aWakeUpForNoEventShrinks() {
        HaltPoll.Window w = window(160_000);
        long start = policy.start();
        now.addAndGet(1_000);
        policy.finish(start, w, false);
        assertThat(w.nanos()).isEqualTo(80_000);
    }

    @Test
    void aShrinkOfZeroResetsAndAGrowOfZeroNeverGrows() {
        HaltPoll reset = new HaltPoll(new HaltPoll.Config(MAX, START, 2, 0), spare, now::get);
        HaltPoll.Window w = window(160_000);
        reset.adapt(w, 1_000_000, true);
        assertThat(w.nanos()).isZero();
        HaltPoll fixed = new HaltPoll(new HaltPoll.Config(MAX, START, 0, 2), spare, now::get);
        fixed.adapt(w, 50_000, true);
        assertThat(w.nanos()).isZero();
    }

    @Test
    void aWindowAboveALoweredCapIsClampedToIt() {
        HaltPoll small = new HaltPoll(HaltPoll.Config.kvm(50_000), spare, now::get);
        HaltPoll.Window w = window(160_000);
        small.adapt(w, 10_000, true);
        assertThat(w.nanos()).isEqualTo(50_000);
    }

    @Test
    void noSpareCoreMeansNoPollNoClockReadAndAWindowKeptForLater() {
        runnable.set(3);
        HaltPoll.Window w = window(80_000);
        AtomicInteger checks = new AtomicInteger();
        AtomicInteger clockReads = new AtomicInteger();
        HaltPoll counted = new HaltPoll(HaltPoll.Config.kvm(MAX), spare, () -> {
            clockReads.incrementAndGet();
            return now.get();
        });
        long start = counted.start();
        assertThat(counted.willPoll(start, w)).isFalse();
        assertThat(counted.poll(start, w, () -> {
            checks.incrementAndGet();
            return true;
        })).isFalse();
        assertThat(checks).as("the condition is not even read").hasValue(0);
        now.addAndGet(120_000);
        counted.finish(start, w, true);
        assertThat(clockReads).as("an untimed halt").hasValue(0);
        assertThat(w.nanos()).as("kept for when a core is spare again").isEqualTo(80_000);
        assertThat(w.polled() + w.slept()).as("no poll counted").isZero();
        runnable.set(0);
        now.addAndGet(SpareCore.SAMPLE_NANOS);
        long next = counted.start();
        assertThat(counted.willPoll(next, w)).isTrue();
        assertThat(counted.willPoll(next, new HaltPoll.Window())).as("closed window").isFalse();
    }

    @Test
    void thePollStopsWhenTheCoreStopsBeingSpare() {
        AtomicLong probeClock = new AtomicLong();
        HaltPoll gated = new HaltPoll(HaltPoll.Config.kvm(MAX), new SpareCore(runnable::get, 2, probeClock::get), now::get);
        HaltPoll.Window w = window(MAX);
        AtomicInteger checks = new AtomicInteger();
        long start = gated.start();
        boolean polled = gated.poll(start, w, () -> {
            if (checks.incrementAndGet() == 3) {
                runnable.set(5);                               // someone else wants the core
                probeClock.addAndGet(SpareCore.SAMPLE_NANOS);  // and the next sample sees it
            }
            return false;
        });
        assertThat(polled).isFalse();
        assertThat(now.get()).as("the window (on the policy's clock) never ran out").isEqualTo(start);
        assertThat(checks.get()).as("stopped at the next spare-core check").isEqualTo(HaltPoll.SPARE_CHECK_SPINS);
        assertThat(w.slept()).isEqualTo(1);
    }

    @Test
    void thePollEndsWithItsWindow() {
        HaltPoll.Window w = window(20_000);
        AtomicInteger checks = new AtomicInteger();
        long start = policy.start();
        assertThat(policy.poll(start, w, () -> {
            checks.incrementAndGet();
            now.addAndGet(1_000);
            return false;
        })).isFalse();
        assertThat(checks.get()).isBetween(19, 21);
    }

    @Test
    void offReadsNothingAndNeverPolls() {
        AtomicInteger clockReads = new AtomicInteger();
        HaltPoll off = new HaltPoll(null, SpareCore.fixed(true), () -> {
            clockReads.incrementAndGet();
            return 0L;
        });
        HaltPoll.Window w = window(80_000);
        long start = off.start();
        assertThat(off.enabled()).isFalse();
        assertThat(off.willPoll(start, w)).isFalse();
        assertThat(off.poll(start, w, () -> true)).isFalse();
        assertThat(off.spinUntil(() -> true)).isFalse();
        off.finish(start, w, true);
        assertThat(clockReads).hasValue(0);
        assertThat(w.nanos()).isEqualTo(80_000);
        assertThat(HaltPoll.off().enabled()).isFalse();
        assertThat(new HaltPoll(HaltPoll.Config.kvm(0), spare, now::get).enabled()).as("a cap of 0 is off").isFalse();
    }

    @Test
    void onlyTheSystemClockPolls() {
        Clock virtual = new Clock() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public long epochNanos() {
                return 0;
            }
        };
        assertThat(HaltPoll.forClock(virtual)).isSameAs(HaltPoll.off());
    }

    @Test
    void thePropertyTakesOffOnOrACap() {
        assertThat(HaltPoll.fromProperty("off", spare, now::get).enabled()).isFalse();
        assertThat(HaltPoll.fromProperty("on", spare, now::get).config().maxNanos()).isEqualTo(HaltPoll.DEFAULT_MAX_NANOS);
        HaltPoll.Config fifty = HaltPoll.fromProperty("50000", spare, now::get).config();
        assertThat(fifty).isEqualTo(new HaltPoll.Config(50_000, 10_000, 2, 2));
        assertThat(HaltPoll.fromProperty("5000", spare, now::get).config().growStartNanos())
                .as("the start value never exceeds the cap").isEqualTo(5_000);
        assertThat(HaltPoll.fromProperty("0", spare, now::get).enabled()).isFalse();
        assertThatThrownBy(() -> HaltPoll.fromProperty("fast", spare, now::get)).hasMessageContaining("jxen.haltPoll");
        assertThatThrownBy(() -> HaltPoll.fromProperty("-1", spare, now::get)).hasMessageContaining("jxen.haltPoll");
        assertThat(new HaltPoll(HaltPoll.Config.kvm(75_000), spare, now::get).jvmOptions()).first()
                .isEqualTo("-Djxen.haltPoll=75000");
        assertThat(HaltPoll.off().jvmOptions()).first().isEqualTo("-Djxen.haltPoll=off");
    }

    @Test
    void spinUntilGivesUpAfterTheHandOverBound() {
        AtomicInteger tries = new AtomicInteger();
        assertThat(policy.spinUntil(() -> tries.incrementAndGet() == 5)).isTrue();
        assertThat(policy.spinUntil(() -> {
            now.addAndGet(1_000);
            return false;
        })).isFalse();
        assertThat(now.get()).isLessThan(1_000_000 + 4_000 + HaltPoll.HANDOVER_NANOS + 1_000 * (HaltPoll.SPARE_CHECK_SPINS + 1));
    }

    private static HaltPoll.Window window(long nanos) {
        HaltPoll.Window w = new HaltPoll.Window();
        w.nanos = nanos;
        return w;
    }
}
