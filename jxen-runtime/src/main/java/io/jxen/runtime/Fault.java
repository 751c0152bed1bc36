package io.jxen.runtime;

/**
 * What a fault point is told to do. Components ask {@link Faults#at(String)} at the places
 * where the real world can misbehave (a notification, a write to disk, a peer's reply) and
 * act on the answer; in production the answer is always {@link #NONE}.
 */
public enum Fault {
    /** Behave normally. */
    NONE,
    /** Lose the thing (a notification, a message): it never arrives. */
    DROP,
    /** Deliver the thing twice. */
    DUPLICATE,
    /** Hold the thing back; it is delivered at a later step. */
    DELAY,
    /** The component fails as if its process died at this point. */
    CRASH
}
