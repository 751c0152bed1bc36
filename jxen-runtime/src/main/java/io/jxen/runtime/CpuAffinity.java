package io.jxen.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The calling thread's CPU affinity ({@code sched_getaffinity}/{@code sched_setaffinity},
 * sched_setaffinity(2), pid 0 = the calling thread): jxen's counterpart of Xen's
 * {@code dom0_vcpus_pin}, for threads that do a backend's work on a core of their own.
 * Best effort: where the calls are unavailable (not Linux, no native access) or refused (a
 * CPU outside the process's cpuset), nothing changes and false comes back.
 */
@SuppressWarnings("restricted") // two downcalls to libc; jxen runs with native access
public final class CpuAffinity {

    /** Bytes of the CPU mask passed to the kernel: 1024 CPUs, glibc's {@code cpu_set_t}. */
    static final int MASK_BYTES = 128;

    private static final MethodHandle GET = lookup("sched_getaffinity");
    private static final MethodHandle SET = lookup("sched_setaffinity");

    private CpuAffinity() {
    }

    private static MethodHandle lookup(String name) {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name)
                    .map(address -> linker.downcallHandle(address, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | Error e) { // no native access, or no such platform
            return null;
        }
    }

    /**
     * The CPUs the calling thread may run on, in ascending order; empty where the call is
     * unavailable.
     */
    public static List<Integer> allowed() {
        if (GET == null) {
            return List.of();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES, 8);
            if ((int) GET.invokeExact(0, (long) MASK_BYTES, mask) != 0) {
                return List.of();
            }
            List<Integer> cpus = new ArrayList<>();
            for (int cpu = 0; cpu < MASK_BYTES * 8; cpu++) {
                if ((mask.get(ValueLayout.JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0) {
                    cpus.add(cpu);
                }
            }
            return List.copyOf(cpus);
        } catch (Throwable t) {
            return List.of();
        }
    }

    /**
     * Restricts the calling thread to CPU {@code cpu}.
     *
     * @return whether the kernel accepted it
     */
    public static boolean pin(int cpu) {
        if (SET == null || cpu < 0 || cpu >= MASK_BYTES * 8) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES, 8);
            mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            return (int) SET.invokeExact(0, (long) MASK_BYTES, mask) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
