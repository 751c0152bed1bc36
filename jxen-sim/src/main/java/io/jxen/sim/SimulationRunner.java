package io.jxen.sim;

import io.jxen.runtime.Agent;
import io.jxen.runtime.Fault;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Steps agents on the caller's thread in an order drawn from a seed, under a
 * {@link VirtualClock}. This is Aeron's invoker mode plus TigerBeetle's simulator: the real
 * agents run, but interleavings, time and faults all come from one seed, so any failure
 * replays exactly.
 *
 * <p>Each round shuffles the agents and calls {@link Agent#doWork()} once on each. Before
 * an agent's turn the runner asks its faults about point {@code "agent.<role>"}:
 * {@link Fault#DELAY} skips the turn, {@link Fault#CRASH} removes the agent for good (as if
 * its process died; {@code onClose} is not called). When a whole round does no work the
 * clock advances by the idle step, so timers fire without real time passing.
 *
 * <p>Invariants registered with {@link #addInvariant} are checked after every round; any
 * failure is reported as a {@link SimulationFailure} naming the seed.
 */
public final class SimulationRunner {

    private final long seed;
    private final SplittableRandom schedule;
    private final VirtualClock clock;
    private final SeededFaults faults;
    private final List<Agent> agents = new ArrayList<>();
    private final List<Agent> crashed = new ArrayList<>();
    private final List<Runnable> invariants = new ArrayList<>();
    private long idleStepNanos = 1_000_000;
    private long rounds;

    /**
     * @param seed         the seed every random decision of this run derives from
     * @param startEpochNanos the wall-clock time the virtual clock starts at
     */
    public SimulationRunner(long seed, long startEpochNanos) {
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        this.schedule = root.split();
        this.faults = new SeededFaults(root.split());
        this.clock = new VirtualClock(startEpochNanos);
    }

    /** A runner whose wall clock starts at 2026-01-01T00:00:00Z. */
    public SimulationRunner(long seed) {
        this(seed, 1_767_225_600_000_000_000L);
    }

    /** The seed of this run. */
    public long seed() {
        return seed;
    }

    /** The virtual clock every component of the run must be given. */
    public VirtualClock clock() {
        return clock;
    }

    /** The fault injector every component of the run must be given. */
    public SeededFaults faults() {
        return faults;
    }

    /** How far the clock moves when a round finds every agent idle (default 1 ms). */
    public SimulationRunner idleStep(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("idle step must be positive: " + nanos);
        }
        this.idleStepNanos = nanos;
        return this;
    }

    /** Adds an agent; its {@link Agent#onStart()} runs now. */
    public SimulationRunner add(Agent agent) {
        agent.onStart();
        agents.add(agent);
        return this;
    }

    /** Adds a check run after every round; it throws (e.g. an AssertionError) when broken. */
    public SimulationRunner addInvariant(Runnable invariant) {
        invariants.add(invariant);
        return this;
    }

    /** Agents removed by an injected crash, in the order they crashed. */
    public List<Agent> crashed() {
        return List.copyOf(crashed);
    }

    /** Rounds run so far. */
    public long rounds() {
        return rounds;
    }

    /**
     * Runs one round: every live agent once, in a seeded order.
     *
     * @return the total work the agents reported
     */
    public int round() {
        rounds++;
        List<Agent> order = new ArrayList<>(agents);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = schedule.nextInt(i + 1);
            Agent swap = order.get(i);
            order.set(i, order.get(j));
            order.set(j, swap);
        }
        int work = 0;
        for (Agent agent : order) {
            Fault fault = faults.at("agent." + agent.roleName());
            if (fault == Fault.CRASH) {
                agents.remove(agent);
                crashed.add(agent);
                continue;
            }
            if (fault == Fault.DELAY) {
                continue;
            }
            try {
                work += agent.doWork();
            } catch (Throwable t) {
                throw new SimulationFailure(seed, rounds, "agent " + agent.roleName() + " threw " + t, t);
            }
        }
        checkInvariants();
        return work;
    }

    /**
     * Runs rounds until {@code done} holds, advancing the clock by the idle step whenever a
     * round does no work.
     *
     * @param done           the goal
     * @param maxVirtualNanos how much virtual time the goal may take before the run fails
     * @return the number of rounds it took
     * @throws SimulationFailure if the goal is not reached in time or an agent or invariant fails
     */
    public long runUntil(BooleanSupplier done, long maxVirtualNanos) {
        long start = rounds;
        long deadline = Math.addExact(clock.nanoTime(), maxVirtualNanos);
        while (!done.getAsBoolean()) {
            if (clock.nanoTime() >= deadline) {
                throw new SimulationFailure(seed, rounds, "goal not reached within " + maxVirtualNanos
                        + " ns of virtual time", null);
            }
            if (round() == 0) {
                clock.advance(idleStepNanos);
            }
        }
        return rounds - start;
    }

    /** Runs rounds until {@code nanos} of virtual time have passed. */
    public void runFor(long nanos) {
        long end = Math.addExact(clock.nanoTime(), nanos);
        while (clock.nanoTime() < end) {
            if (round() == 0) {
                clock.advanceTo(Math.min(end, clock.nanoTime() + idleStepNanos));
            }
        }
    }

    private void checkInvariants() {
        for (Runnable invariant : invariants) {
            try {
                invariant.run();
            } catch (Throwable t) {
                throw new SimulationFailure(seed, rounds, "invariant broken: " + t.getMessage(), t);
            }
        }
    }
}
