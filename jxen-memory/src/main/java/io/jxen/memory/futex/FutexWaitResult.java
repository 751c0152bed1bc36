package io.jxen.memory.futex;

/** How a {@link Futex#await} returned. Every outcome obliges the caller to re-check the word. */
public enum FutexWaitResult {
    /** A wake (or, as futex(2) allows, a spurious return) ended the wait. */
    WOKEN,
    /** The word did not hold the expected value, so the thread did not sleep ({@code EAGAIN}). */
    VALUE_CHANGED,
    /** The timeout passed ({@code ETIMEDOUT}). */
    TIMED_OUT,
    /** A signal interrupted the wait ({@code EINTR}). */
    INTERRUPTED
}
