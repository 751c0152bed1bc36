package io.jxen.runtime;

/**
 * Receives a failure of one agent. A failing agent never takes its runner or the process
 * down: the handler records it (counters, log) and the runner decides whether to go on.
 */
@FunctionalInterface
public interface ErrorHandler {

    /**
     * @param agent the agent whose {@link Agent#doWork()} threw
     * @param error what it threw
     */
    void onError(Agent agent, Throwable error);

    /** Prints to standard error; for tools and tests. */
    static ErrorHandler printing() {
        return (agent, error) -> {
            System.err.println("jxen: agent " + agent.roleName() + " failed: " + error);
            error.printStackTrace(System.err);
        };
    }
}
