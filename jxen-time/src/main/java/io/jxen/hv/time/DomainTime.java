package io.jxen.hv.time;

import io.jxen.hv.time.clock.DomainTsc;
import io.jxen.hv.time.clock.Wallclock;
import io.jxen.hv.time.clock.VcpuTimePublisher;
import io.jxen.hv.time.timer.TimerInterruptSink;
import io.jxen.hv.time.hpet.Hpet;
import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.platform.PmTimer;
import io.jxen.hv.time.platform.RtcPeriodic;
import io.jxen.hv.time.timer.VcpuTimers;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.PlatformTime;
import io.jxen.hv.time.vpt.VcpuKicker;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One domain's time: its TSC, per vCPU a pvclock publisher and the hypercall timers, the
 * wallclock copy in its {@code shared_info}, and for HVM domains the emulated platform
 * timers. The hypervisor calls:
 * <ul>
 *   <li>{@link #attachSharedInfo} once the shared-info page exists;</li>
 *   <li>{@link #registerTimeArea} for each {@code vcpu_time_info} a vCPU publishes into (the
 *       {@code time} field of its {@code vcpu_info}, a secondary area);</li>
 *   <li>{@link #onSchedule} and {@link #onDeschedule} from its scheduler;</li>
 *   <li>{@link #timers(int)} from {@code VCPUOP_set_singleshot_timer} and friends;</li>
 *   <li>{@link #enableHvmPlatform} for an HVM domain, then the devices' port and MMIO
 *       handlers and {@link PlatformTime#vcpu(int)}'s {@code updateIrq}/{@code intrPost}.</li>
 * </ul>
 */
public final class DomainTime implements AutoCloseable {

    private final HostTime host;
    private final DomainTsc tsc;
    private final VcpuTimePublisher[] publishers;
    private final VcpuTimers[] timers;
    private Wallclock.DomainWallclock wallclock;
    private HvmPlatform hvm;

    DomainTime(HostTime host, int vcpus, boolean pv, TimerInterruptSink sink) {
        this.host = host;
        this.tsc = new DomainTsc(host.tsc());
        Objects.requireNonNull(sink, "sink");
        if (vcpus <= 0) {
            throw new IllegalArgumentException("a domain has at least one vCPU: " + vcpus);
        }
        this.publishers = new VcpuTimePublisher[vcpus];
        this.timers = new VcpuTimers[vcpus];
        for (int i = 0; i < vcpus; i++) {
            publishers[i] = new VcpuTimePublisher(host.systemTime(), tsc);
            timers[i] = new VcpuTimers(i, host.timers(), sink, host.singleshotPolicy(), pv);
            host.refresher().register(publishers[i]);
        }
    }

    /** Publishes the wallclock into the domain's {@code shared_info} at {@code offset} of {@code segment}. */
    public synchronized void attachSharedInfo(MemorySegment segment, long offset) {
        if (wallclock != null) {
            wallclock.close();
        }
        wallclock = host.wallclock().attach(segment, offset);
    }

    /** The domain's wallclock copy, or null before {@link #attachSharedInfo}. */
    public synchronized Wallclock.DomainWallclock wallclock() {
        return wallclock;
    }

    /**
     * Publishes vCPU {@code vcpu}'s time info into the {@code vcpu_time_info} at {@code offset}
     * of {@code segment} from now on.
     */
    public void registerTimeArea(int vcpu, MemorySegment segment, long offset) {
        publishers[vcpu].addArea(segment, offset);
    }

    /**
     * Stops publishing vCPU {@code vcpu}'s time info at {@code offset} of {@code segment} (the guest
     * moved or dropped its {@code VCPUOP_register_vcpu_time_memory_area} copy).
     */
    public void unregisterTimeArea(int vcpu, MemorySegment segment, long offset) {
        publishers[vcpu].removeArea(segment, offset);
    }

    /** The pvclock publisher of vCPU {@code vcpu}. */
    public VcpuTimePublisher pvclock(int vcpu) {
        return publishers[vcpu];
    }

    /**
     * The domain was paused or suspended: every vCPU's time info carries
     * {@code XEN_PVCLOCK_GUEST_STOPPED} until the guest clears it
     * ({@link VcpuTimePublisher#markGuestStopped()}).
     */
    public void guestStopped() {
        for (VcpuTimePublisher p : publishers) {
            p.markGuestStopped();
        }
    }

    /** The hypercall timers of vCPU {@code vcpu}. */
    public VcpuTimers timers(int vcpu) {
        return timers[vcpu];
    }

    /** What the domain's {@code rdtsc} returns now (every vCPU shares the domain's TSC). */
    public long rdtsc() {
        return tsc.tscAt(host.now());
    }

    /** The domain's TSC. */
    public DomainTsc tsc() {
        return tsc;
    }

    /**
     * vCPU {@code vcpu} starts running: its time info is re-stamped ({@code update_vcpu_system_time}
     * on every schedule-in; forced when it moved to another host thread), its periodic timer
     * resumes, and its platform timers are restored ({@code pt_restore_timer}).
     */
    public void onSchedule(int vcpu, boolean movedToAnotherHostThread) {
        publishers[vcpu].publish(movedToAnotherHostThread);
        timers[vcpu].onReschedule();
        PlatformTime p = platform();
        if (p != null) {
            p.vcpu(vcpu).reschedule();
        }
    }

    /**
     * vCPU {@code vcpu} stops running: its periodic timer stops and its platform timers are
     * saved ({@code pt_save_timer}; nothing is frozen if it blocked).
     */
    public void onDeschedule(int vcpu, boolean blocked) {
        timers[vcpu].onDeschedule();
        PlatformTime p = platform();
        if (p != null) {
            p.vcpu(vcpu).deschedule(blocked);
        }
    }

    /**
     * Creates the HVM platform timers ({@link HvmPlatform}): platform time, PIT, HPET, RTC
     * periodic interrupt and a 32-bit PM timer at the version-1 ACPI ports; HVM vCPUs reach them
     * through {@link #hvm()}.
     *
     * @param observer told of every interrupt-line change as well (tests), or null
     * @param kicker   wakes a vCPU with a tick pending
     */
    public synchronized HvmPlatform enableHvmPlatform(IrqLine observer, VcpuKicker kicker) {
        if (hvm != null) {
            throw new IllegalStateException("platform timers already created");
        }
        hvm = new HvmPlatform(host, observer, kicker, publishers.length, seconds -> {
            Wallclock.DomainWallclock w = wallclock();
            if (w != null) {
                w.setTimeOffsetSeconds(seconds);
            }
        });
        return hvm;
    }

    /** The HVM platform timers, or null for a PV domain. */
    public synchronized HvmPlatform hvm() {
        return hvm;
    }

    /** Platform time, or null for a PV domain. */
    public synchronized PlatformTime platform() {
        return hvm == null ? null : hvm.time();
    }

    /** The HPET, or null. */
    public synchronized Hpet hpet() {
        return hvm == null ? null : hvm.hpet();
    }

    /** The PIT, or null. */
    public synchronized Pit pit() {
        return hvm == null ? null : hvm.pit();
    }

    /** The RTC's periodic interrupt, or null. */
    public synchronized RtcPeriodic rtc() {
        return hvm == null ? null : hvm.rtc();
    }

    /** The ACPI PM timer, or null. */
    public synchronized PmTimer pmTimer() {
        return hvm == null ? null : hvm.pmTimer();
    }

    /** The domain is destroyed: every timer stops and nothing more is published. */
    @Override
    public synchronized void close() {
        for (int i = 0; i < timers.length; i++) {
            timers[i].kill();
            host.refresher().unregister(publishers[i]);
            publishers[i].clearAreas();
        }
        if (wallclock != null) {
            wallclock.close();
        }
        if (hvm != null) {
            hvm.close();
        }
    }
}
