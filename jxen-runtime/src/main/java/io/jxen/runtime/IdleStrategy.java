package io.jxen.runtime;

/** What a threaded runner does after a {@link Agent#doWork()} that returned a count. */
@FunctionalInterface
public interface IdleStrategy {

    /**
     * Called after every duty cycle.
     *
     * @param workCount what the agent returned; 0 means it found nothing to do
     */
    void idle(int workCount);

    /** Forgets any back-off state; called when an agent is (re)started. */
    default void reset() {
    }
}
