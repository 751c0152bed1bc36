package io.jxen.memory.futex;

import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * A doorbell between processes over 8 bytes of shared memory: the notifier rings, the
 * waiter sleeps until the bell has rung since it last looked. This is how jxen carries an
 * event-channel notification to a domain in another JVM.
 *
 * <pre>
 *  offset 0          4          8
 *  +----------------+----------+
 *  | rings (u32)    | sleepers |
 *  +----------------+----------+
 *  rings:    incremented by every {@link #ring()}; the futex word
 *  sleepers: waiters inside (or about to enter) futex wait; a ring with none skips the syscall
 * </pre>
 *
 * <p>Why nothing is lost: a waiter increments {@code sleepers} then sleeps only if
 * {@code rings} still equals what it saw (the kernel checks that atomically); a ringer
 * increments {@code rings} then reads {@code sleepers}. Both steps are sequentially
 * consistent read-modify-writes, so either the ringer sees the sleeper and wakes it, or the
 * sleeper's futex sees the new count and does not sleep (Dekker's argument).
 *
 * <p>Usage, waiter side: {@code seen = bell.rings(); if (!workVisible()) bell.await(seen, t);}
 */
public final class Doorbell {

    /** Bytes a doorbell occupies; place it 8-byte aligned. */
    public static final int SIZE_BYTES = 8;

    private static final int RINGS_OFFSET = 0;
    private static final int SLEEPERS_OFFSET = 4;

    private final MemorySegment segment;

    /**
     * A doorbell at {@code offset} of shared memory. All parties use the same bytes; zeroed
     * memory is a bell that never rang.
     */
    public Doorbell(MemorySegment segment, long offset) {
        if (offset % SIZE_BYTES != 0) {
            throw new IllegalArgumentException("doorbell must be 8-byte aligned, offset " + offset);
        }
        this.segment = segment.asSlice(offset, SIZE_BYTES);
    }

    /** How often the bell has rung (unsigned, wraps); the value to pass to {@link #await}. */
    public int rings() {
        return OrderedAccess.getIntAcquire(segment, RINGS_OFFSET);
    }

    /**
     * Rings: increments the count (a volatile read-modify-write, so everything written
     * before is visible to whoever sees the new count) and wakes sleepers, if any.
     */
    public void ring() {
        if (raise()) {
            wakeSleepers();
        }
    }

    /**
     * The first half of {@link #ring()}: increments the count and tells whether anyone sleeps on
     * it. A caller that gets {@code true} must call {@link #wakeSleepers()} afterwards; it may do
     * so later (e.g. after releasing a lock the woken thread is about to take), because a waiter
     * that has not yet slept sees the new count and does not sleep.
     *
     * @return whether a sleeper was seen
     */
    public boolean raise() {
        OrderedAccess.getAndAddInt(segment, RINGS_OFFSET, 1);
        return OrderedAccess.getIntVolatile(segment, SLEEPERS_OFFSET) != 0;
    }

    /** The second half of {@link #ring()}: wakes every sleeper (a futex wake). */
    public void wakeSleepers() {
        Futex.wakeAll(segment, RINGS_OFFSET);
    }

    /**
     * Waits until the bell has rung since {@code lastSeen} was read, or the timeout passes,
     * on a platform thread. May return early (spuriously); compare the result with
     * {@code lastSeen}.
     *
     * @param lastSeen     a value of {@link #rings()} read before checking for work
     * @param timeoutNanos relative timeout; negative waits without limit
     * @return the ring count now
     */
    public int await(int lastSeen, long timeoutNanos) {
        if (rings() != lastSeen) {
            return rings();
        }
        OrderedAccess.getAndAddInt(segment, SLEEPERS_OFFSET, 1);
        try {
            Futex.await(segment, RINGS_OFFSET, lastSeen, timeoutNanos);
        } finally {
            OrderedAccess.getAndAddInt(segment, SLEEPERS_OFFSET, -1);
        }
        return rings();
    }
}
