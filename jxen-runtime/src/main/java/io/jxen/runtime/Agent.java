package io.jxen.runtime;

/**
 * An active component of jxen: a vCPU run loop, a backend worker, a xenstored connection,
 * a timer wheel. It never blocks and never owns a thread; a runner calls {@link #doWork()}
 * repeatedly, either on a thread of its own ({@link AgentRunner}) or interleaved with other
 * agents on one thread in a seeded order (the simulation runner in {@code jxen-sim}).
 *
 * <p>This is the pattern of Agrona's {@code Agent}: the same code runs threaded in
 * production and stepped in tests, so protocol tests are reproducible from a seed.
 */
public interface Agent {

    /**
     * Does a bounded amount of work and returns how much was done; 0 means the agent is
     * idle and the runner may back off (threaded) or advance virtual time (simulation).
     *
     * @return units of work done, 0 when there was nothing to do
     * @throws Exception a failure of this agent; the runner reports it and goes on
     */
    int doWork() throws Exception;

    /** A short name for logs, thread names and fault injection, e.g. {@code "blkback-1-51712"}. */
    String roleName();

    /** Called once on the runner's thread before the first {@link #doWork()}. */
    default void onStart() {
    }

    /** Called once on the runner's thread after the last {@link #doWork()}. */
    default void onClose() {
    }
}
