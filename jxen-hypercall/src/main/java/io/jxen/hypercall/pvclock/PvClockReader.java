package io.jxen.hypercall.pvclock;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoFlyweight;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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

    // Plain loads without the per-access alignment check of OrderedAccess: the area's alignment
    // (8 bytes) is checked once in the constructor and a slice's address never changes, so the
    // 32-bit version and the 64-bit words are naturally aligned single loads every time. The
    // ordering is the seqlock's two read barriers, as Linux's pvclock_read_begin/retry
    // (a plain load of the version, then virt_rmb; the tuple, then virt_rmb, then the version).
    private static final VarHandle VERSION_WORD =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle TUPLE_WORD =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final long VERSION = VcpuTimeInfoDescriptor.VERSION_OFFSET;
    private static final long TSC_TIMESTAMP = VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET;
    private static final long SYSTEM_TIME = VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET;
    private static final long SCALE_AND_FLAGS = VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET;

    // The 32 bytes of this vCPU's vcpu_time_info as a slice of their own, so every access below
    // is at a constant offset of a final segment (one bounds check the JIT can fold per field).
    private final MemorySegment area;
    private final VcpuTimeInfoFlyweight info = new VcpuTimeInfoFlyweight();
    private final LongSupplier rdtsc;
    private final Monotonic monotonic;
    private final int validFlags;
    private final Runnable onGuestStopped;
    private int lastFlags;
    private long retries;
    private long guestStoppedSeen;

    /**
     * @param segment    memory holding the {@code vcpu_time_info}
     * @param offset     where it starts
     * @param rdtsc      the vCPU's TSC
     * @param monotonic  the guest-wide clamp
     * @param validFlags flags the guest trusts ({@code pvclock_set_flags}); pass
     *                   {@link PvClockFlags#TSC_STABLE_BIT} to skip the clamp on stable TSCs
     */
    public PvClockReader(MemorySegment segment, long offset, LongSupplier rdtsc, Monotonic monotonic, int validFlags) {
        this(segment, offset, rdtsc, monotonic, validFlags, () -> { });
    }

    /**
     * @param onGuestStopped run when a read finds {@code XEN_PVCLOCK_GUEST_STOPPED} (the reader
     *                       clears the flag first), as Linux's {@code pvclock_touch_watchdogs()}
     */
    public PvClockReader(MemorySegment segment, long offset, LongSupplier rdtsc, Monotonic monotonic, int validFlags,
                         Runnable onGuestStopped) {
        info.wrap(segment, offset); // checks bounds and alignment once
        this.area = segment.asSlice(offset, VcpuTimeInfoDescriptor.SIZE);
        this.rdtsc = Objects.requireNonNull(rdtsc, "rdtsc");
        this.monotonic = Objects.requireNonNull(monotonic, "monotonic");
        this.validFlags = validFlags;
        this.onGuestStopped = Objects.requireNonNull(onGuestStopped, "onGuestStopped");
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

    /**
     * The seqlock read alone, no clamp ({@code __pvclock_read_cycles} inside the retry loop).
     * Each field is loaded once: {@code tsc_to_system_mul}, {@code tsc_shift} and {@code flags}
     * share one 64-bit load of bytes 24..31, so a try is the version and {@code smp_rmb} (an
     * acquire fence, as {@code pvclock_read_begin}: the TSC and the tuple are read after it),
     * the TSC, three plain loads of the tuple, {@code smp_rmb} again (the tuple loads complete
     * before the version is read again) and the version again.
     */
    public long readRaw() {
        MemorySegment a = area;
        while (true) {
            int version = (int) VERSION_WORD.get(a, VERSION) & ~1;
            OrderedAccess.readBarrier();
            long tsc = rdtsc.getAsLong();
            long stamp = (long) TUPLE_WORD.get(a, TSC_TIMESTAMP);
            long system = (long) TUPLE_WORD.get(a, SYSTEM_TIME);
            // bytes 24..27 tsc_to_system_mul, 28 tsc_shift (signed), 29 flags, little-endian
            long scale = (long) TUPLE_WORD.get(a, SCALE_AND_FLAGS);
            // pvclock_read_retry: smp_rmb, then the version again (odd or changed: retry).
            OrderedAccess.readBarrier();
            if ((int) VERSION_WORD.get(a, VERSION) == version) {
                int flags = (int) (scale >>> 40) & 0xFF;
                lastFlags = flags;
                if ((flags & PvClockFlags.GUEST_STOPPED) != 0) {
                    guestStopped();
                }
                return PvClockMath.systemTime(tsc, stamp, system, (int) scale, (byte) (scale >>> 32));
            }
            retries++;
            Thread.onSpinWait();
        }
    }

    // Linux pvclock_clocksource_read: "src->flags &= ~PVCLOCK_GUEST_STOPPED" then
    // pvclock_touch_watchdogs(). The flag byte shares a 32-bit word with tsc_shift and the
    // padding; an atomic and on that word clears the bit without touching a concurrent write
    // of the hypervisor to the other bytes.
    private void guestStopped() {
        int word = VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET;
        int bit = PvClockFlags.GUEST_STOPPED << (8 * (VcpuTimeInfoDescriptor.FLAGS_OFFSET - word));
        OrderedAccess.getAndBitwiseAndInt(area, word, ~bit);
        guestStoppedSeen++;
        onGuestStopped.run();
    }

    /** How many reads found {@code XEN_PVCLOCK_GUEST_STOPPED} set (and cleared it). */
    public long guestStoppedSeen() {
        return guestStoppedSeen;
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
