package io.jxen.hv.time.clock;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.VcpuTimeInfoFlyweight;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Xen's writer of one vCPU's {@code vcpu_time_info} ({@code __update_vcpu_system_time},
 * xen/arch/x86/time.c): a calibration stamp (system time and the domain's TSC at the same
 * instant) with the domain's TSC scale, written into every area registered for the vCPU (the
 * {@code time} field of its {@code vcpu_info}, and a secondary copy registered with
 * {@code VCPUOP_register_vcpu_time_memory_area}) under the version seqlock.
 *
 * <p>Thread-safe: publications are serialised, so the seqlock has one writer as in Xen.
 */
public final class VcpuTimePublisher {

    /** A stamp: the tuple published at one instant. */
    public record Stamp(long tscTimestamp, long systemTimeNs, int mulFrac, int shift, int flags) {
    }

    private final SystemTime systemTime;
    private final DomainTsc tsc;
    private final List<VcpuTimeInfoFlyweight> areas = new ArrayList<>();
    private Stamp last;
    private long publications;

    /**
     * @param systemTime the host's system time
     * @param tsc        the domain's TSC
     */
    public VcpuTimePublisher(SystemTime systemTime, DomainTsc tsc) {
        this.systemTime = Objects.requireNonNull(systemTime, "systemTime");
        this.tsc = Objects.requireNonNull(tsc, "tsc");
    }

    /**
     * Adds an area the tuple is published into and publishes into it at once.
     *
     * @param segment guest memory holding a {@code vcpu_time_info}
     * @param offset  where it starts (8-byte aligned)
     */
    public synchronized void addArea(MemorySegment segment, long offset) {
        VcpuTimeInfoFlyweight area = new VcpuTimeInfoFlyweight().wrap(segment, offset);
        areas.add(area);
        if (last != null) {
            write(area, last, 0);
        } else {
            publish(true);
        }
    }

    /**
     * Forgets the area at {@code offset} of {@code segment} (same address as given to
     * {@link #addArea}); nothing more is written there. Unknown areas are ignored.
     */
    public synchronized void removeArea(MemorySegment segment, long offset) {
        long at = segment.address() + offset;
        areas.removeIf(a -> a.segment().address() + a.offset() == at);
    }

    /** Forgets every area (domain destroyed, or the guest moved its vcpu_info). */
    public synchronized void clearAreas() {
        areas.clear();
    }

    /**
     * Takes a new calibration stamp and publishes it: Xen's {@code update_vcpu_system_time},
     * which runs on every schedule-in, on the periodic calibration and when a vCPU moves to
     * another physical CPU (here: host thread).
     *
     * @param force publish even if the tuple is unchanged ({@code __update_vcpu_system_time}'s
     *              {@code force}); an unchanged tuple is otherwise skipped, as Xen skips it
     * @return the stamp now published
     */
    public synchronized Stamp publish(boolean force) {
        long now = systemTime.now();
        TimeScale scale = tsc.scale();
        Stamp stamp = new Stamp(tsc.tscAt(now), now, scale.mulFrac(), scale.shift(),
                tsc.stable() ? PvClockFlags.TSC_STABLE_BIT : 0);
        if (!force && stamp.equals(last)) {
            return stamp;
        }
        last = stamp;
        for (VcpuTimeInfoFlyweight area : areas) {
            write(area, stamp, 0);
        }
        publications++;
        return stamp;
    }

    /**
     * The domain was paused or suspended: {@code XEN_PVCLOCK_GUEST_STOPPED} is published in every
     * area at once (a forced stamp) and stays set, in each area, until the guest clears it there
     * (Linux {@code pvclock_clocksource_read} clears it and touches its watchdogs): every later
     * write keeps the bit it finds in guest memory, as KVM's {@code kvm_setup_guest_pvclock}
     * keeps {@code PVCLOCK_GUEST_STOPPED} from the guest's copy.
     */
    public synchronized void markGuestStopped() {
        Stamp stamp = publish(true);
        for (VcpuTimeInfoFlyweight area : areas) {
            write(area, stamp, PvClockFlags.GUEST_STOPPED);
        }
    }

    /** The vCPU now runs on another host thread: re-stamp, as Xen does on pCPU migration. */
    public Stamp onMovedToHostThread() {
        return publish(true);
    }

    /** The stamp last published, or null before the first. */
    public synchronized Stamp lastStamp() {
        return last;
    }

    /** How many stamps were written. */
    public synchronized long publications() {
        return publications;
    }

    private static void write(VcpuTimeInfoFlyweight area, Stamp stamp, int extraFlags) {
        // version_update_begin: (v + 1) | 1, an odd value tells readers an update is under way.
        // The version is read back from guest memory, as Xen does, so a guest scribble cannot
        // make the new even value equal an old one the reader saw.
        int version = area.getVersionAcquire();
        // GUEST_STOPPED belongs to the guest once set: only the guest clears it.
        int flags = stamp.flags() | extraFlags | (area.getFlags() & PvClockFlags.GUEST_STOPPED);
        int odd = (version + 1) | 1;
        area.setVersionRelease(odd);
        // smp_wmb(): the odd version must be visible before any store to the tuple; a release
        // store orders only what precedes it, so a store-store fence is needed here.
        OrderedAccess.writeBarrier();
        area.setTscTimestamp(stamp.tscTimestamp());
        area.setSystemTimeNs(stamp.systemTimeNs());
        area.setTscToSystemMul(stamp.mulFrac());
        area.setTscShift((byte) stamp.shift());
        area.setFlags(flags);
        // version_update_end: the release store is the second smp_wmb; the tuple is visible
        // before the even version.
        area.setVersionRelease(odd + 1);
    }
}
