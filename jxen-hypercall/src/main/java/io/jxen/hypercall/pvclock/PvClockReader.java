package io.jxen.hypercall.pvclock;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.VcpuTimeInfoFlyweight;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A guest's reader of one {@code vcpu_time_info}, as Linux {@code pvclock_clocksource_read}
 * (arch/x86/kernel/pvclock.c) and FreeBSD {@code pvclock_get_timecount} (sys/x86/x86/pvclock.c)
 * do it: a seqlock read of the tuple with the TSC sampled inside the loop, then, unless both the
 * reader's {@code valid_flags} and the tuple's flags carry {@code XEN_PVCLOCK_TSC_STABLE_BIT},
 * a compare-and-swap clamp against the last value returned by any vCPU, so time never goes
 * backwards across vCPUs.
 *
 * <p>It depends on the ABI view and the ordered accessors, never on hypervisor types. One
 * instance per vCPU; the
 * {@link Monotonic} clamp is shared by all vCPUs of a guest. Not thread-safe itself.
 */
public final class PvClockReader {

    /** The guest-global last value ({@code last_value} / {@code pvclock_last_systime}). */
    public static final class Monotonic {
        private final AtomicLong last = new AtomicLong();

        /** Forgets the last value, as {@code pvclock_resume()} does after a restore. */
        public void reset() {
            last.set(0);
        }

        /** The largest value handed out so far. */
        public long last() {
            return last.get();
        }
    }

    private final VcpuTimeInfoFlyweight info = new VcpuTimeInfoFlyweight();
    private final LongSupplier rdtsc;
    private final Monotonic monotonic;
    private final int validFlags;
    private int lastFlags;
    private long retries;

    /**
     * @param segment    memory holding the {@code vcpu_time_info}
     * @param offset     where it starts
     * @param rdtsc      the vCPU's TSC
     * @param monotonic  the guest-wide clamp
     * @param validFlags flags the guest trusts ({@code pvclock_set_flags}); pass
     *                   {@link PvClockFlags#TSC_STABLE_BIT} to skip the clamp on stable TSCs
     */
    public PvClockReader(MemorySegment segment, long offset, LongSupplier rdtsc, Monotonic monotonic, int validFlags) {
        info.wrap(segment, offset);
        this.rdtsc = Objects.requireNonNull(rdtsc, "rdtsc");
        this.monotonic = Objects.requireNonNull(monotonic, "monotonic");
        this.validFlags = validFlags;
    }

    /** Nanoseconds of system time now: the seqlock read plus the monotonic clamp. */
    public long read() {
        long now = readRaw();
        if ((validFlags & lastFlags & PvClockFlags.TSC_STABLE_BIT) != 0) {
            return now;
        }
        long last = monotonic.last.get();
        while (true) {
            if (now <= last) {      // signed compare, as Linux's "if (ret <= last)" on u64 values < 2^63
                return last;
            }
            long witness = monotonic.last.compareAndExchange(last, now);
            if (witness == last) {
                return now;
            }
            last = witness;
        }
    }

    /** The seqlock read alone, no clamp ({@code __pvclock_read_cycles} inside the retry loop). */
    public long readRaw() {
        while (true) {
            // pvclock_read_begin: version with the odd bit cleared, then smp_rmb (acquire load).
            int version = info.getVersionAcquire() & ~1;
            long tsc = rdtsc.getAsLong();
            long stamp = info.getTscTimestamp();
            long system = info.getSystemTimeNs();
            int mul = info.getTscToSystemMul();
            int shift = info.getTscShift();
            int flags = info.getFlags();
            // pvclock_read_retry: smp_rmb so the tuple loads complete before the version reload.
            OrderedAccess.readBarrier();
            if (info.getVersionAcquire() == version) {
                lastFlags = flags;
                return PvClockMath.systemTime(tsc, stamp, system, mul, shift);
            }
            retries++;
            Thread.onSpinWait();
        }
    }

    /** A consistent copy of the tuple, taken under the seqlock. */
    public record Tuple(int version, long tscTimestamp, long systemTimeNs, int mulFrac, int shift, int flags) {
    }

    /** Copies the tuple under the seqlock (for diagnostics and tests; allocates). */
    public Tuple readTuple() {
        while (true) {
            int version = info.getVersionAcquire() & ~1;
            Tuple tuple = new Tuple(version, info.getTscTimestamp(), info.getSystemTimeNs(),
                    info.getTscToSystemMul(), info.getTscShift(), info.getFlags());
            OrderedAccess.readBarrier(); // tuple loads before the version reload
            if (info.getVersionAcquire() == version) {
                return tuple;
            }
            retries++;
            Thread.onSpinWait();
        }
    }

    /** The flags seen by the last successful read. */
    public int lastFlags() {
        return lastFlags;
    }

    /** Seqlock retries so far (a torn or in-progress update was seen). */
    public long retries() {
        return retries;
    }
}
