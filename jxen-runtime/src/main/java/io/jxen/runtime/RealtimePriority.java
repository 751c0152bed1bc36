package io.jxen.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Puts the calling thread in Linux's {@code SCHED_FIFO} class ({@code sched_setscheduler(2)}
 * with pid 0: the calling thread), so that when it wakes it runs at once instead of waiting
 * for the run queue. For the one thread whose lateness is the product: the timer agent, which
 * stands in for Xen's timer interrupt. It sleeps almost all the time, and the kernel's
 * real-time throttling ({@code sched_rt_runtime_us}) bounds what it could take if it did not.
 * Needs {@code CAP_SYS_NICE}; without it (or off Linux) nothing changes.
 * {@code -Djxen.timerPriority=normal} keeps the default class.
 */
@SuppressWarnings("restricted") // one downcall to libc's sched_setscheduler; jxen runs with native access
public final class RealtimePriority {

    /** {@code SCHED_FIFO} (linux/sched.h). */
    static final int SCHED_FIFO = 1;

    private static final MethodHandle SCHED_SETSCHEDULER = lookup();

    private RealtimePriority() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sched_setscheduler")
                    .map(address -> linker.downcallHandle(address, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | Error e) { // no native access, or no such platform
            return null;
        }
    }

    /** Whether {@code -Djxen.timerPriority} allows real-time priority (anything but "normal"). */
    public static boolean enabled() {
        return !"normal".equals(System.getProperty("jxen.timerPriority", "fifo"));
    }

    /**
     * Moves the calling thread to {@code SCHED_FIFO} at {@code priority} (1 is the lowest).
     *
     * @return whether the kernel accepted it
     */
    public static boolean fifo(int priority) {
        if (SCHED_SETSCHEDULER == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param
            param.set(ValueLayout.JAVA_INT, 0, priority);
            return (int) SCHED_SETSCHEDULER.invokeExact(0, SCHED_FIFO, param) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
