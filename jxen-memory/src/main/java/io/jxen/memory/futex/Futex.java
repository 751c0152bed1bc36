package io.jxen.memory.futex;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linux futex(2) on a 32-bit word of shared memory, reached through an FFM downcall to libc's
 * variadic {@code long syscall(long number, ...)}. Works across processes that map the same
 * file: the ops used are the shared ones ({@code FUTEX_WAIT}, {@code FUTEX_WAKE}), not the
 * {@code _PRIVATE} variants, which the kernel keys by address space.
 *
 * <p>Waiting blocks the calling thread inside a foreign call. On a virtual thread that would
 * pin the carrier, so {@link #await} refuses virtual threads; run waiters on platform threads.
 *
 * <p>x86_64 Linux only ({@code SYS_futex} = 202). Needs {@code --enable-native-access}.
 */
@SuppressWarnings("restricted") // the downcall is the point of this class; jxen runs with native access
public final class Futex {

    /** {@code SYS_futex} on x86_64 (asm/unistd_64.h). */
    static final long SYS_FUTEX = 202;
    /** {@code FUTEX_WAIT}: sleep if {@code *uaddr == val}, for at most a relative timeout. */
    static final int FUTEX_WAIT = 0;
    /** {@code FUTEX_WAKE}: wake up to {@code val} waiters on {@code uaddr}. */
    static final int FUTEX_WAKE = 1;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ETIMEDOUT = 110;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }} on x86_64. */
    private static final long TIMESPEC_BYTES = 16;

    // syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3): the first argument is fixed,
    // the rest variadic (int promotes to int; pointers and longs are 64-bit).
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc syscall")),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));

    /** Per-thread native scratch: a timespec at 0 (8-aligned), the errno capture after it. */
    private static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(() ->
            Arena.ofAuto().allocate(TIMESPEC_BYTES + CAPTURE_LAYOUT.byteSize(), 8));

    private Futex() {
    }

    /**
     * {@code FUTEX_WAIT}: sleeps while the int at {@code offset} equals {@code expected}, for at
     * most {@code timeoutNanos}. The kernel compares and sleeps atomically with respect to
     * {@link #wake}, so a store plus wake after the caller read {@code expected} is never lost.
     *
     * @param segment      shared memory (a mapped file for cross-process use)
     * @param offset       offset of a 4-byte aligned int
     * @param expected     the value the caller last saw
     * @param timeoutNanos relative timeout; negative means wait without limit
     * @return why the wait ended; the caller re-reads the word in every case
     * @throws IllegalStateException on a virtual thread
     */
    public static FutexWaitResult await(MemorySegment segment, long offset, int expected, long timeoutNanos) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("futex wait on a virtual thread would pin its carrier; use a platform thread");
        }
        long address = address(segment, offset);
        MemorySegment scratch = SCRATCH.get();
        MemorySegment capture = scratch.asSlice(TIMESPEC_BYTES, CAPTURE_LAYOUT.byteSize());
        MemorySegment timeout = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout = scratch.asSlice(0, TIMESPEC_BYTES);
            timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        }
        long result = invoke(capture, address, FUTEX_WAIT, expected, timeout);
        if (result == 0) {
            return FutexWaitResult.WOKEN;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        return switch (errno) {
            case EAGAIN -> FutexWaitResult.VALUE_CHANGED;
            case ETIMEDOUT -> FutexWaitResult.TIMED_OUT;
            case EINTR -> FutexWaitResult.INTERRUPTED;
            default -> throw new IllegalStateException("futex wait failed: errno " + errno);
        };
    }

    /**
     * {@code FUTEX_WAKE}: wakes up to {@code count} threads (in any process) waiting on the
     * int at {@code offset}. Store the new value before waking.
     *
     * @return how many waiters were woken
     */
    public static int wake(MemorySegment segment, long offset, int count) {
        long address = address(segment, offset);
        MemorySegment capture = SCRATCH.get().asSlice(TIMESPEC_BYTES, CAPTURE_LAYOUT.byteSize());
        long result = invoke(capture, address, FUTEX_WAKE, count, MemorySegment.NULL);
        if (result < 0) {
            throw new IllegalStateException("futex wake failed: errno " + (int) ERRNO.get(capture, 0L));
        }
        return (int) result;
    }

    /** Wakes every waiter on the word. */
    public static int wakeAll(MemorySegment segment, long offset) {
        return wake(segment, offset, Integer.MAX_VALUE);
    }

    private static long address(MemorySegment segment, long offset) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a futex needs native (mapped) memory, not a heap segment");
        }
        if (offset < 0 || offset + Integer.BYTES > segment.byteSize()) {
            throw new IndexOutOfBoundsException("futex word at " + offset + " outside a segment of " + segment.byteSize());
        }
        long address = segment.address() + offset;
        if ((address & (Integer.BYTES - 1)) != 0) {
            throw new IllegalArgumentException("futex word must be 4-byte aligned: 0x" + Long.toHexString(address));
        }
        // Keep the mapping alive for the call: a closed segment throws here, not in the kernel.
        segment.get(ValueLayout.JAVA_INT, offset);
        return address;
    }

    private static long invoke(MemorySegment capture, long address, int op, int value, MemorySegment timeout) {
        try {
            return (long) SYSCALL.invokeExact(capture, SYS_FUTEX, address, op, value, timeout, 0L, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("futex syscall failed to run", t);
        }
    }
}
