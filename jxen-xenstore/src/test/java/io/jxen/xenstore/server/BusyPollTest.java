package io.jxen.xenstore.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket loop's busy-poll window: on for quick clients, off when idle or descheduled. */
class BusyPollTest {

    private static final long MAX = 50_000;

    @Test
    void anIdleDaemonBlocksAtOnce() {
        BusyPoll p = new BusyPoll(MAX);
        assertThat(p.windowNanos()).as("no requests yet").isZero();
        assertThat(new BusyPoll(0).windowNanos()).as("turned off").isZero();
        BusyPoll off = new BusyPoll(0);
        for (int i = 0; i < 100; i++) {
            off.record(1_000);
        }
        assertThat(off.windowNanos()).isZero();
    }

    @Test
    void quickClientsOpenTheWindowAndOnePauseClosesIt() {
        BusyPoll p = new BusyPoll(MAX);
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
        BusyPoll p = new BusyPoll(MAX);
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
}
