package io.jxen.hv.timekeeping;

import java.lang.foreign.MemorySegment;

/** One domain's time (jxen-time's {@code DomainTime}); see the package documentation. */
public interface DomainTimekeeping extends AutoCloseable {

    /** Publishes the wallclock into the {@code shared_info} that starts at {@code offset} of {@code segment}. */
    void attachSharedInfo(MemorySegment segment, long offset);

    /** Publishes vCPU {@code vcpu}'s {@code vcpu_time_info} at {@code offset} of {@code segment} from now on. */
    void registerTimeArea(int vcpu, MemorySegment segment, long offset);

    /** Stops publishing vCPU {@code vcpu}'s time info at {@code offset} of {@code segment} (an area given to {@link #registerTimeArea}). */
    void unregisterTimeArea(int vcpu, MemorySegment segment, long offset);

    /** vCPU {@code vcpu} starts running (also its first run). */
    void onSchedule(int vcpu, boolean movedToAnotherHostThread);

    /** vCPU {@code vcpu} stops running, because it blocked or for another reason (pause, down). */
    void onDeschedule(int vcpu, boolean blocked);

    /**
     * The domain was paused by the toolstack or suspended: publish
     * {@code XEN_PVCLOCK_GUEST_STOPPED} in every vCPU's time info, for the guest to clear.
     * A timekeeping that publishes no pvclock flags has nothing to do (the default).
     */
    default void guestStopped() {
    }

    /** What the domain's {@code rdtsc} returns now. */
    long rdtsc();

    /** The frequency of the domain's TSC, as the Xen CPUID time leaf reports it. */
    long tscFrequencyHz();

    /**
     * Creates the domain's emulated platform timers (an HVM or PVH domain; Xen's
     * {@code hvm_domain_initialise}).
     *
     * @param kick wakes vCPU {@code n} when it has a platform interrupt to take (called on a
     *             timer thread with no lock held)
     * @return the timers, or null if this timekeeping emulates none
     */
    default HvmTimers enableHvm(java.util.function.IntConsumer kick) {
        return null;
    }

    /** The hypercall timers of vCPU {@code vcpu}. */
    VcpuTimerControl timers(int vcpu);

    /** The domain is destroyed: timers stop, nothing more is published. */
    @Override
    void close();
}
