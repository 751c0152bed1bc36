package io.jxen.xenstore.server;

import io.jxen.runtime.SpareCore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket loop's busy-poll window: on for quick clients with a core to spare, off when idle, busy or descheduled. */
class BusyPollTest {

    private static final long MAX = 50_000;

    @Test
    void anIdleDaemonBlocksAtOnce() {
        BusyPoll p = new BusyPoll(MAX, SpareCore.fixed(true));
        assertThat(p.windowNanos()).as("no requests yet").isZero();
        assertThat(new BusyPoll(0, SpareCore.fixed(true)).windowNanos()).as("turned off").isZero();
        BusyPoll off = new BusyPoll(0, SpareCore.fixed(true));
        for (int i = 0; i < 100; i++) {
            off.record(1_000);
        }
        assertThat(off.windowNanos()).isZero();
    }

    @Test
    void quickClientsOpenTheWindowAndOnePauseClosesIt() {
        BusyPoll p = new BusyPoll(MAX, SpareCore.fixed(true));
        for (int i = 0; i < 40; i++) {
            p.record(5_000);
        }
        assertThat(p.windowNanos()).as("twice the average gap").isBetween(9_000L, 11_000L);
        p.record(1_000_000_000L);
        assertThat(p.windowNanos()).as("one long pause: block").isZero();
        for (int i = 0; i < 40; i++) {
            p.record(40_000);
        }
        assertThat(p.windowNanos()).as("never beyond the maximum").isEqualTo(MAX);
        for (int i = 0; i < 40; i++) {
            p.record(60_000);
        }
        assertThat(p.windowNanos()).as("gaps longer than the maximum: polling cannot catch them").isZero();
    }

    @Test
    void aPreemptedPollSuspendsPollingLongerEachTime() {
        BusyPoll p = new BusyPoll(MAX, SpareCore.fixed(true));
        for (int i = 0; i < 40; i++) {
            p.record(5_000);
        }
        p.preempted();
        int suspended = 0;
        while (p.windowNanos() == 0) {
            suspended++;
        }
        p.preempted();
        int again = 0;
        while (p.windowNanos() == 0) {
            again++;
        }
        assertThat(suspended).isPositive();
        assertThat(again).isEqualTo(2 * suspended);
        p.ranClean();
        p.preempted();
        int reset = 0;
        while (p.windowNanos() == 0) {
            reset++;
        }
        assertThat(reset).as("a clean poll resets the back-off").isEqualTo(suspended);
        for (int i = 0; i < 20; i++) {
            p.preempted();
        }
        int capped = 0;
        while (p.windowNanos() == 0) {
            capped++;
        }
        assertThat(capped).isEqualTo(BusyPoll.MAX_SUSPEND_TURNS);
    }

    @Test
    void pollsOnlyWhileACoreIsSpare() {
        int[] runnable = {2};
        long[] now = {0};
        BusyPoll p = new BusyPoll(MAX, new SpareCore(() -> runnable[0], 2, () -> now[0]));
        for (int i = 0; i < 40; i++) {
            p.record(5_000);
        }
        assertThat(p.windowNanos()).as("as many runnable tasks as cores: a core is free").isPositive();
        assertThat(p.coreStillSpare()).isTrue();
        runnable[0] = 3;
        assertThat(p.windowNanos()).as("the sample stands for a millisecond").isPositive();
        now[0] += SpareCore.SAMPLE_NANOS;
        assertThat(p.coreStillSpare()).as("a task waits for a CPU: stop polling").isFalse();
        assertThat(p.windowNanos()).as("and block at once").isZero();
        runnable[0] = 1;
        now[0] += SpareCore.SAMPLE_NANOS;
        assertThat(p.windowNanos()).as("the machine is quiet again").isPositive();
        assertThat(new BusyPoll(MAX, SpareCore.fixed(false)).windowNanos()).isZero();
    }
}
