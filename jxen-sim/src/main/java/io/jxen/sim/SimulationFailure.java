package io.jxen.sim;

/**
 * A simulation run broke an invariant or an agent failed. The message always carries the
 * seed and the step, so the failure can be replayed with {@code -Djxen.sim.seed=...}.
 */
public final class SimulationFailure extends AssertionError {

    private static final long serialVersionUID = 1L;

    /** The seed that reproduces this failure. */
    private final long seed;

    /**
     * @param seed  the run's seed
     * @param step  the step at which it failed
     * @param what  what went wrong
     * @param cause the agent's exception, or null
     */
    public SimulationFailure(long seed, long step, String what, Throwable cause) {
        super("simulation failed at step " + step + " (replay with -Djxen.sim.seed=" + seed + "): "
                + what, cause);
        this.seed = seed;
    }

    /** The seed that reproduces this failure. */
    public long seed() {
        return seed;
    }
}
