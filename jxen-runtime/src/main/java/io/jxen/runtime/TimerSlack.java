package io.jxen.runtime;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The calling thread's timer slack ({@code prctl(PR_SET_TIMERSLACK)}, prctl(2)): how far past
 * its deadline Linux may let a timed sleep of this thread end, so that wake-ups can be
 * batched. The default is 50 µs, which every timed park of a timer thread then pays on top of
 * the wake-up itself; Xen's own timer interrupt has no such slack. Best effort: where the call
 * is unavailable (not Linux, no native access) nothing changes.
 */
@SuppressWarnings("restricted") // one downcall to libc's prctl; jxen runs with native access
public final class TimerSlack {

    /** {@code PR_SET_TIMERSLACK} (linux/prctl.h). */
    static final int PR_SET_TIMERSLACK = 29;

    private static final MethodHandle PRCTL = lookup();

    private TimerSlack() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("prctl")
                    .map(address -> linker.downcallHandle(address,
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                            Linker.Option.firstVariadicArg(1)))
                    .orElse(null);
        } catch (RuntimeException | Error e) { // no native access, or no such platform
            return null;
        }
    }

    /**
     * Sets the calling thread's timer slack to {@code nanos} (at least 1: 0 would restore the
     * default).
     *
     * @return whether the kernel accepted it
     */
    public static boolean set(long nanos) {
        if (PRCTL == null || nanos < 1) {
            return false;
        }
        try {
            return (int) PRCTL.invokeExact(PR_SET_TIMERSLACK, nanos) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
