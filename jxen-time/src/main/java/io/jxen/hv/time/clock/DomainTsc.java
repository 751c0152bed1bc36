package io.jxen.hv.time.clock;

import io.jxen.runtime.SystemClock;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A domain's view of the TSC: its own frequency (Xen's TSC scaling, or an emulated
 * {@code vtsc_khz}) and an offset added to every reading ({@code hvm.tsc_offset}, or the
 * offset that keeps the TSC continuous across save/restore).
 *
 * <p>The pvclock tuple published for the domain's vCPUs uses this TSC: {@code tsc_timestamp}
 * is a reading of it and {@code tsc_to_system_mul}/{@code tsc_shift} are
 * {@link TimeScale#of(long)} of its frequency, so a guest that reads this TSC and applies the
 * tuple gets system time.
 */
public final class DomainTsc {

    private final TscModel host;
    private final long frequencyHz;
    // ns -> ticks by a fixed-point multiply (exact, see TickRate): this runs on every guest
    // rdtsc and pvclock read.
    private final TickRate rate;
    private final TimeScale scale;
    // Read opaque on every rdtsc: atomic and eventually seen by every vCPU thread, without the
    // ordering of a volatile read, which kept the JIT from scheduling the multiplier's loads
    // early (the offset orders nothing else; publishers are refreshed after a change).
    private long offsetTicks;
    private static final java.lang.invoke.VarHandle OFFSET_TICKS;

    static {
        try {
            OFFSET_TICKS = java.lang.invoke.MethodHandles.lookup()
                    .findVarHandle(DomainTsc.class, "offsetTicks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * @param host         the host TSC (its stability decides the stable bit)
     * @param frequencyHz  the guest-visible frequency; the host's when the domain is not scaled
     * @param offsetTicks  added to every reading
     */
    public DomainTsc(TscModel host, long frequencyHz, long offsetTicks) {
        this.host = Objects.requireNonNull(host, "host");
        this.rate = new TickRate(frequencyHz); // checks the range
        this.frequencyHz = frequencyHz;
        this.scale = TimeScale.of(frequencyHz);
        OFFSET_TICKS.setVolatile(this, offsetTicks);
    }

    /** An unscaled domain with no offset. */
    public DomainTsc(TscModel host) {
        this(host, host.frequencyHz(), 0);
    }

    /** The guest TSC at a system time: what the guest's {@code rdtsc} returns then. */
    public long tscAt(long systemTimeNs) {
        return rate.ticks(systemTimeNs) + (long) OFFSET_TICKS.getOpaque(this);
    }

    /**
     * The guest's {@code rdtsc} as a supplier: {@link #tscAt} of {@code systemTime.now()}, for a
     * guest's pvclock reader. The same value as calling both, through one object and one call
     * (the read is on the guest clock's hot path).
     */
    public LongSupplier rdtsc(SystemTime systemTime) {
        return systemTime.hostClock() ? new HostRdtsc(this, systemTime) : () -> tscAt(systemTime.now());
    }

    // SystemTime's and TickRate's fields copied into one immutable object (all of them are
    // final where they come from; only the offset can change, and it is read from the
    // DomainTsc): the read is one object hop from the supplier, not three, and the host clock
    // is read directly, not behind the Clock interface (which has a simulated implementation).
    // The values are those of tscAt(systemTime.now()).
    private static final class HostRdtsc implements LongSupplier {
        private final DomainTsc tsc;
        private final TickRate rate;
        private final long bootNanoTime;
        private final long fastMul;
        private final int fastShift;
        private final long fastLimit;

        HostRdtsc(DomainTsc tsc, SystemTime systemTime) {
            this.tsc = tsc;
            this.rate = tsc.rate;
            this.bootNanoTime = systemTime.bootNanoTime();
            this.fastMul = rate.shortcutMul();
            this.fastShift = rate.shortcutShift();
            this.fastLimit = rate.shortcutLimit();
        }

        @Override
        public long getAsLong() {
            long now = SystemClock.INSTANCE.nanoTime() - bootNanoTime; // SystemTime.now() on the host clock (final class: no dispatch)
            // TickRate.ticks(now), its one-multiply path inline
            long ticks = Long.compareUnsigned(now, fastLimit) <= 0 ? (now * fastMul) >>> fastShift : rate.ticks(now);
            return ticks + (long) OFFSET_TICKS.getOpaque(tsc);
        }
    }

    /** The guest-visible frequency. */
    public long frequencyHz() {
        return frequencyHz;
    }

    /** The scale published as {@code tsc_to_system_mul} and {@code tsc_shift}. */
    public TimeScale scale() {
        return scale;
    }

    /** Whether the stable bit is published. */
    public boolean stable() {
        return host.stable();
    }

    /** The offset added to readings. */
    public long offsetTicks() {
        return (long) OFFSET_TICKS.getVolatile(this);
    }

    /**
     * Changes the offset (e.g. {@code XEN_DOMCTL_settscinfo} on restore). Publishers must be
     * refreshed afterwards, as Xen does with {@code update_vcpu_system_time}.
     */
    public void setOffsetTicks(long offsetTicks) {
        OFFSET_TICKS.setVolatile(this, offsetTicks);
    }
}
