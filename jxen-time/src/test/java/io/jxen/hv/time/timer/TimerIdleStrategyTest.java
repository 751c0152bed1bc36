package io.jxen.hv.time.timer;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The real-mode wait of the timer agent, with the park recorded instead of slept. */
class TimerIdleStrategyTest {

    @Test
    void parksUntilShortlyBeforeTheNextDeadlineThenSpins() {
        VirtualClock clock = new VirtualClock(0);
        TimerQueue queue = new TimerQueue(new SystemTime(clock), "q");
        List<Long> parks = new ArrayList<>();
        TimerIdleStrategy idle = new TimerIdleStrategy(queue, 50_000, 10_000_000, parks::add);
        idle.idle(0);
        assertThat(parks).containsExactly(10_000_000L); // nothing armed: the longest park
        queue.newTimer("t", () -> { }).set(1_000_000);
        idle.idle(0);
        assertThat(parks).containsExactly(10_000_000L, 950_000L);
        clock.advance(960_000);
        idle.idle(0); // within the spin stretch: no park
        idle.idle(3); // work was done: no wait at all
        assertThat(parks).hasSize(2);
    }

    /** No spare core: no spin, the park reaches the deadline itself. */
    @Test
    void parksUpToTheDeadlineWhenNoCoreIsSpare() {
        VirtualClock clock = new VirtualClock(0);
        TimerQueue queue = new TimerQueue(new SystemTime(clock), "q");
        List<Long> parks = new ArrayList<>();
        TimerIdleStrategy idle = new TimerIdleStrategy(queue, 50_000, 10_000_000, parks::add,
                io.jxen.runtime.SpareCore.fixed(false));
        queue.newTimer("t", () -> { }).set(1_000_000);
        idle.idle(0);
        assertThat(parks).containsExactly(1_000_000L);
        clock.advance(990_000);
        idle.idle(0); // 10 µs left: parked for them, not spun
        assertThat(parks).containsExactly(1_000_000L, 10_000L);
        clock.advance(10_000);
        idle.idle(0); // due: the agent's next duty cycle runs it, no park
        assertThat(parks).hasSize(2);
    }

    @Test
    void theTimerSlackCallIsAcceptedOnLinux() {
        // prctl(PR_SET_TIMERSLACK) on this (test) thread; skipped where there is no Linux
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        assertThat(io.jxen.runtime.TimerSlack.set(1)).isTrue();
    }

    /**
     * The lost wake-up: a timer armed while the agent decides how long to park (here: when it
     * reads the clock, before it looks at the queue) must find the agent registered as a
     * sleeper, or its unpark is skipped and the agent sleeps up to maxParkNs past the deadline.
     */
    @Test
    void theAgentIsRegisteredAsASleeperBeforeItLooksAtTheQueue() {
        Thread[] waiterSeenByTheClock = new Thread[1];
        TimerQueue[] queue = new TimerQueue[1];
        io.jxen.runtime.Clock clock = new io.jxen.runtime.Clock() {
            @Override
            public long nanoTime() {
                if (queue[0] != null) {
                    waiterSeenByTheClock[0] = queue[0].waiter();
                }
                return 0;
            }

            @Override
            public long epochNanos() {
                return 0;
            }
        };
        queue[0] = new TimerQueue(new SystemTime(clock), "q");
        List<Long> parks = new ArrayList<>();
        TimerIdleStrategy idle = new TimerIdleStrategy(queue[0], 50_000, 10_000_000, parks::add);
        idle.idle(0);
        assertThat(waiterSeenByTheClock[0]).isSameAs(Thread.currentThread());
        assertThat(parks).containsExactly(10_000_000L);
        assertThat(queue[0].waiter()).isNull(); // deregistered after the park
    }
}
