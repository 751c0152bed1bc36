package io.jxen.hv.time.timer;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.runtime.Agent;
import io.jxen.sim.Seeds;
import io.jxen.sim.SimulationRunner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The timer queue agent, alone and stepped by the seeded simulation runner. */
class TimerQueueTest {

    @Test
    void staleEntriesAreSkippedAndCallbacksMayReArm() {
        io.jxen.sim.VirtualClock clock = new io.jxen.sim.VirtualClock(0);
        TimerQueue queue = new TimerQueue(new SystemTime(clock), "q");
        List<Long> fired = new ArrayList<>();
        TimerQueue.Timer[] self = new TimerQueue.Timer[1];
        self[0] = queue.newTimer("rearm", () -> {
            fired.add(queue.now());
            if (fired.size() < 3) {
                self[0].set(queue.now() + 10);
            }
        });
        TimerQueue.Timer stopped = queue.newTimer("stopped", () -> fired.add(-1L));
        assertThat(queue.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        stopped.set(5);
        stopped.set(50); // re-armed: the entry for 5 is stale
        self[0].set(10);
        stopped.stop();
        assertThat(queue.nextDeadline()).isEqualTo(10);
        assertThat(queue.doWork()).isZero();
        for (int i = 0; i < 100; i++) {
            clock.advance(1);
            queue.doWork();
        }
        assertThat(fired).containsExactly(10L, 20L, 30L);
        assertThat(queue.fired()).isEqualTo(3);
        assertThat(stopped.active()).isFalse();
        assertThat(queue.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void underTheSimulationRunnerEveryTimerFiresAtOrAfterItsDeadline() {
        Seeds.run(seed -> {
            SimulationRunner runner = new SimulationRunner(seed).idleStep(1_000);
            TimerQueue queue = new TimerQueue(new SystemTime(runner.clock()), "timers");
            SplittableRandom random = new SplittableRandom(seed);
            int count = 500;
            long[] deadline = new long[count];
            long[] firedAt = new long[count];
            for (int i = 0; i < count; i++) {
                int n = i;
                deadline[i] = 1 + random.nextLong(10_000_000);
                firedAt[i] = -1;
                queue.newTimer("t" + i, () -> {
                    if (firedAt[n] != -1) {
                        throw new AssertionError("timer " + n + " fired twice");
                    }
                    firedAt[n] = queue.now();
                }).set(deadline[i]);
            }
            runner.add(queue);
            runner.add(new Agent() {
                @Override
                public int doWork() {
                    return 0;
                }

                @Override
                public String roleName() {
                    return "idle";
                }
            });
            runner.runUntil(() -> queue.fired() == count, 20_000_000);
            for (int i = 0; i < count; i++) {
                assertThat(firedAt[i]).isBetween(deadline[i], deadline[i] + 1_000);
            }
        });
    }
}
