package io.jxen.sim;

import io.jxen.runtime.Agent;
import io.jxen.runtime.Fault;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulationRunnerTest {

    /** An agent that records its turns in a shared trace and works a fixed number of times. */
    private record Recorder(String roleName, List<String> trace, int[] budget) implements Agent {
        Recorder(String name, List<String> trace, int work) {
            this(name, trace, new int[] {work});
        }

        @Override
        public int doWork() {
            trace.add(roleName);
            if (budget[0] > 0) {
                budget[0]--;
                return 1;
            }
            return 0;
        }
    }

    private static List<String> trace(long seed) {
        List<String> trace = new ArrayList<>();
        SimulationRunner sim = new SimulationRunner(seed);
        for (int i = 0; i < 5; i++) {
            sim.add(new Recorder("a" + i, trace, 20));
        }
        for (int i = 0; i < 30; i++) {
            sim.round();
        }
        return trace;
    }

    @Property(tries = 20)
    void theSameSeedGivesTheSameInterleaving(@ForAll long seed) {
        assertThat(trace(seed)).isEqualTo(trace(seed));
    }

    @Test
    void differentSeedsGiveDifferentInterleavings() {
        assertThat(trace(1)).isNotEqualTo(trace(2));
    }

    @Test
    void idleRoundsAdvanceVirtualTimeUntilTheGoalHolds() {
        SimulationRunner sim = new SimulationRunner(7).idleStep(1_000);
        List<String> trace = new ArrayList<>();
        sim.add(new Recorder("worker", trace, 3));
        sim.runUntil(() -> sim.clock().nanoTime() >= 10_000, 1_000_000);
        assertThat(sim.clock().nanoTime()).isEqualTo(10_000);
        assertThat(trace).hasSize(3 + 10);
    }

    @Test
    void aGoalNotReachedInTimeFailsNamingTheSeed() {
        SimulationRunner sim = new SimulationRunner(42);
        assertThatThrownBy(() -> sim.runUntil(() -> false, 5_000_000))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("-Djxen.sim.seed=42");
    }

    @Test
    void aBrokenInvariantFailsTheRoundNamingTheSeed() {
        SimulationRunner sim = new SimulationRunner(9);
        List<String> trace = new ArrayList<>();
        sim.add(new Recorder("w", trace, 100));
        sim.addInvariant(() -> {
            if (trace.size() > 4) {
                throw new AssertionError("too many turns");
            }
        });
        assertThatThrownBy(() -> sim.runFor(1_000_000_000L))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("too many turns")
                .hasMessageContaining("seed=9")
                .satisfies(e -> assertThat(((SimulationFailure) e).seed()).isEqualTo(9));
    }

    @Test
    void injectedCrashRemovesTheAgentAndDelaySkipsTurns() {
        SimulationRunner sim = new SimulationRunner(3);
        List<String> trace = new ArrayList<>();
        sim.faults().inject("agent.victim", Fault.CRASH, 0.5);
        sim.faults().inject("agent.slow", Fault.DELAY, 0.5);
        sim.add(new Recorder("victim", trace, 1000));
        sim.add(new Recorder("slow", trace, 1000));
        for (int i = 0; i < 200; i++) {
            sim.round();
        }
        assertThat(sim.crashed()).extracting(Agent::roleName).containsExactly("victim");
        long slowTurns = trace.stream().filter("slow"::equals).count();
        assertThat(slowTurns).isBetween(50L, 150L);
        assertThat(sim.faults().injectedCount("agent.slow", Fault.DELAY)).isEqualTo(200 - slowTurns);
        assertThat(sim.faults().injectedCount("agent.victim", Fault.CRASH)).isEqualTo(1);
    }

    @Test
    void anAgentThatThrowsFailsTheRunWithItsName() {
        SimulationRunner sim = new SimulationRunner(5);
        sim.add(new Agent() {
            @Override
            public int doWork() {
                throw new IllegalStateException("boom");
            }

            @Override
            public String roleName() {
                return "bomb";
            }
        });
        assertThatThrownBy(sim::round).isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("agent bomb threw")
                .hasRootCauseMessage("boom");
    }

    @Test
    void virtualClockRefusesToGoBackwardsButTheWallClockCanBeStepped() {
        VirtualClock clock = new VirtualClock(1_000);
        clock.advance(500);
        clock.stepWallClock(-200);
        assertThat(clock.nanoTime()).isEqualTo(500);
        assertThat(clock.epochNanos()).isEqualTo(1_300);
        clock.advanceTo(100);
        assertThat(clock.nanoTime()).isEqualTo(500);
        assertThatThrownBy(() -> clock.advance(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void faultRulesAreValidated() {
        SeededFaults faults = new SimulationRunner(1).faults();
        assertThatThrownBy(() -> faults.inject("x", Fault.NONE, 0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> faults.inject("x", Fault.DROP, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(faults.at("never-configured")).isEqualTo(Fault.NONE);
    }

    @Test
    void seedsRunReportsTheSeedOfAFailingTest() {
        assertThatThrownBy(() -> Seeds.run(seed -> {
            throw new IllegalStateException("planted");
        })).isInstanceOf(AssertionError.class).hasMessageContaining("replay with -Djxen.sim.seed=");
    }
}
