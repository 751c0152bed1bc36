package io.jxen.memory.ring;

import io.jxen.memory.futex.Doorbell;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;

/**
 * Drives a front or a back end through {@code count} sequence-numbered requests and
 * responses, the way a driver does: push and notify only when ring.h says so, final-check
 * before sleeping on a doorbell. Used by the two-thread stress test and the two-process test.
 *
 * <p>Entry: {@code u64 seq, u64 value}. A request carries {@code value = mix(seq)}, its
 * response {@code value = answer(seq)}. Each side checks that sequence numbers arrive in
 * order, none missing or repeated, and folds them into a checksum.
 */
final class RingTraffic {

    static final int ENTRY_SIZE = 16;

    /**
     * What one side saw.
     *
     * @param checksum      the checksum of the sequence numbers received
     * @param waits         doorbell waits (sleeps) taken
     * @param timedOutWaits waits that ended by their time slice, not by a ring: with a slice
     *                      much longer than the run, each is a lost wake-up
     */
    record Result(long checksum, long waits, long timedOutWaits) {
    }

    private RingTraffic() {
    }

    static long mix(long seq) {
        long z = seq * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    static long answer(long seq) {
        return ~mix(seq) + seq;
    }

    /** Folds one sequence number into a running checksum (order-sensitive). */
    static long fold(long checksum, long seq) {
        return checksum * 31 + mix(seq);
    }

    /** The checksum both sides must reach after {@code count} messages. */
    static long expectedChecksum(long count) {
        long checksum = 0;
        for (long seq = 0; seq < count; seq++) {
            checksum = fold(checksum, seq);
        }
        return checksum;
    }

    /**
     * Runs the front end: sends requests 0..count-1, checks every response.
     *
     * @return the checksum of the responses received
     */
    static Result runFront(FrontRing front, Doorbell toBack, Doorbell fromBack, long count,
                           BooleanSupplier peerAlive, long waitSliceNanos, long deadlineNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(ENTRY_SIZE, 8);
            long sent = 0;
            long received = 0;
            long checksum = 0;
            long waits = 0;
            long timedOut = 0;
            while (received < count) {
                int seen = fromBack.rings();
                boolean progress = false;
                while (sent < count && !front.isFull()) {
                    entry.set(ValueLayout.JAVA_LONG, 0, sent);
                    entry.set(ValueLayout.JAVA_LONG, 8, mix(sent));
                    front.putRequest(entry);
                    sent++;
                    progress = true;
                }
                if (progress && front.pushRequestsAndCheckNotify()) {
                    toBack.ring();
                }
                for (int n = front.unconsumedResponses(); n > 0; n--) {
                    front.copyResponse(entry);
                    long seq = entry.get(ValueLayout.JAVA_LONG, 0);
                    long value = entry.get(ValueLayout.JAVA_LONG, 8);
                    if (seq != received || value != answer(seq)) {
                        throw new AssertionError("response " + received + " expected, got seq " + seq
                                + (value == answer(seq) ? "" : " with a wrong value"));
                    }
                    checksum = fold(checksum, seq);
                    received++;
                    progress = true;
                }
                if (!progress && !front.finalCheckForResponses()) {
                    waits++;
                    if (timedOut(fromBack, seen, waitSliceNanos)) {
                        timedOut++;
                    }
                    if (front.unconsumedResponses() == 0) {
                        checkAlive(peerAlive, deadlineNanos, "front", received);
                    }
                }
            }
            return new Result(checksum, waits, timedOut);
        }
    }

    /**
     * Runs the back end: answers requests 0..count-1 in order, checking each.
     *
     * @return the checksum of the requests received
     */
    static Result runBack(BackRing back, Doorbell fromFront, Doorbell toFront, long count,
                          BooleanSupplier peerAlive, long waitSliceNanos, long deadlineNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(ENTRY_SIZE, 8);
            long handled = 0;
            long checksum = 0;
            long waits = 0;
            long timedOut = 0;
            while (handled < count) {
                int seen = fromFront.rings();
                int n = back.unconsumedRequests();
                for (int i = 0; i < n; i++) {
                    back.copyRequest(entry);
                    long seq = entry.get(ValueLayout.JAVA_LONG, 0);
                    long value = entry.get(ValueLayout.JAVA_LONG, 8);
                    if (seq != handled || value != mix(seq)) {
                        throw new AssertionError("request " + handled + " expected, got seq " + seq
                                + (value == mix(seq) ? "" : " with a wrong value"));
                    }
                    checksum = fold(checksum, seq);
                    entry.set(ValueLayout.JAVA_LONG, 8, answer(seq));
                    back.putResponse(entry);
                    handled++;
                }
                if (n > 0) {
                    if (back.pushResponsesAndCheckNotify()) {
                        toFront.ring();
                    }
                } else if (!back.finalCheckForRequests()) {
                    waits++;
                    if (timedOut(fromFront, seen, waitSliceNanos)) {
                        timedOut++;
                    }
                    if (back.unconsumedRequests() == 0) {
                        checkAlive(peerAlive, deadlineNanos, "back", handled);
                    }
                }
            }
            return new Result(checksum, waits, timedOut);
        }
    }

    /** Waits for a ring; true if the slice ran out with no ring. */
    private static boolean timedOut(Doorbell bell, int seen, long sliceNanos) {
        long start = System.nanoTime();
        return bell.await(seen, sliceNanos) == seen && System.nanoTime() - start >= sliceNanos;
    }

    private static void checkAlive(BooleanSupplier peerAlive, long deadlineNanos, String side, long done) {
        if (!peerAlive.getAsBoolean()) {
            throw new AssertionError(side + " end: peer gone after " + done + " messages");
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new AssertionError(side + " end: deadline passed after " + done + " messages");
        }
    }
}
