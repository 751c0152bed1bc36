package io.jxen.guest.time;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.hypercall.pvclock.PvClockReader;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The Xen timecounter (FreeBSD's {@code xentimer_get_timecount}, Linux's {@code xen_clocksource_read}):
 * system time in nanoseconds from the reading vCPU's {@code vcpu_time_info}, with the guest-wide
 * compare-and-swap clamp so time never goes backwards across vCPUs unless Xen marks the TSC
 * stable ({@code XEN_PVCLOCK_TSC_STABLE_BIT}, which the guest trusts as Linux's
 * {@code pvclock_set_flags} does).
 */
public final class XenTimecounter {

    /** The name timecounters are listed under. */
    public static final String NAME = "XENTIMER";
    /** Its frequency: nanoseconds. */
    public static final long FREQUENCY_HZ = 1_000_000_000L;

    private final PvClockReader[] readers;
    private final PvClockReader.Monotonic monotonic = new PvClockReader.Monotonic();

    private final AtomicLong watchdogTouches = new AtomicLong();

    /**
     * @param kernel the booted kernel (the vCPUs' registered vcpu_info)
     * @param rdtsc  the TSC of each vCPU
     */
    public XenTimecounter(GuestKernel kernel, IntFunction<LongSupplier> rdtsc) {
        readers = new PvClockReader[kernel.vcpus()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new PvClockReader(kernel.vcpu(i).vcpuInfo(), VcpuInfoDescriptor.TIME_OFFSET, rdtsc.apply(i),
                    monotonic, PvClockFlags.TSC_STABLE_BIT, watchdogTouches::incrementAndGet);
        }
    }

    /**
     * How often a read found {@code XEN_PVCLOCK_GUEST_STOPPED} (the domain had been paused or
     * suspended) and cleared it: Linux then calls {@code pvclock_touch_watchdogs()} so the
     * soft-lockup and RCU-stall detectors do not mistake the pause for a hang.
     */
    public long watchdogTouches() {
        return watchdogTouches.get();
    }

    /** System time in nanoseconds as vCPU {@code vcpu} reads it. */
    public long nanos(int vcpu) {
        PvClockReader r = readers[vcpu];
        synchronized (r) {
            return r.read();
        }
    }

    /** The seqlock read of vCPU {@code vcpu} without the cross-vCPU clamp. */
    public long rawNanos(int vcpu) {
        PvClockReader r = readers[vcpu];
        synchronized (r) {
            return r.readRaw();
        }
    }

    /** The largest value returned so far on any vCPU. */
    public long last() {
        return monotonic.last();
    }

    /** Forgets the clamp after a restore ({@code pvclock_resume}). */
    public void resume() {
        monotonic.reset();
    }
}
