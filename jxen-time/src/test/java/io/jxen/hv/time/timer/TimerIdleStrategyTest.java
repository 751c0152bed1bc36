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
}
