package io.jxen.hv.time.vpt;

import java.util.ArrayList;
import java.util.List;

/**
 * One vCPU's side of the platform time: its guest-time offset ({@code hvm.stime_offset}), the
 * guest time frozen at deschedule ({@code hvm.guest_time}), and its list of platform timer
 * channels ({@code tm_list}). The hypervisor calls:
 * <ul>
 *   <li>{@link #deschedule(boolean)} when the vCPU stops running ({@code pt_save_timer}),</li>
 *   <li>{@link #reschedule()} when it runs again ({@code pt_restore_timer}),</li>
 *   <li>{@link #updateIrq()} on each entry into the guest ({@code pt_update_irq}),</li>
 *   <li>{@link #intrPost(IrqSource, int)} when the guest accepts an interrupt
 *       ({@code pt_intr_post}).</li>
 * </ul>
 * All methods take the domain's platform-time lock.
 */
public final class VcpuPlatformTime {

    final PlatformTime platform;
    final int id;
    final List<PeriodicTime> timers = new ArrayList<>();
    final List<PeriodicTime> suspended = new ArrayList<>();
    long stimeOffset;
    private long frozenGuestTime;

    VcpuPlatformTime(PlatformTime platform, int id) {
        this.platform = platform;
        this.id = id;
    }

    /** The vCPU's id. */
    public int id() {
        return id;
    }

    /** {@code hvm_get_guest_time}: guest time now, in ns. */
    public long guestTime() {
        return platform.guestTime(this);
    }

    /**
     * {@code hvm_set_guest_time}: moves this vCPU's guest time to {@code guestTime} by
     * shifting its offset. (Xen then refreshes the vCPU's pvclock, since the offset feeds the
     * emulated TSC; jxen's pvclock is on host time, so nothing to refresh.)
     */
    public void setGuestTime(long guestTime) {
        synchronized (platform) {
            stimeOffset += guestTime - platform.guestTime(this);
        }
    }

    /**
     * {@code pt_save_timer}: the vCPU is descheduled. Unless it blocked (a blocked vCPU's
     * timers must keep running to wake it), its channels' alarms stop (except those marked
     * {@code do_not_freeze}) and, in {@code delay_for_missed_ticks}, its guest time is frozen
     * ({@code pt_freeze_time}).
     *
     * @param blocked the vCPU blocked (SCHEDOP_block / HLT) rather than being preempted
     */
    public void deschedule(boolean blocked) {
        synchronized (platform) {
            if (blocked) {
                return;
            }
            for (PeriodicTime pt : timers) {
                if (!pt.doNotFreeze) {
                    pt.timer.stop();
                }
            }
            if (platform.correctsGuestTime()) {
                frozenGuestTime = platform.guestTime(this); // pt_freeze_time
            }
        }
    }

    /**
     * {@code pt_restore_timer}: the vCPU runs again. Channels with no backlog account the
     * ticks missed meanwhile and re-arm; in {@code delay_for_missed_ticks} guest time resumes
     * from where it was frozen ({@code pt_thaw_time}), so the time the vCPU spent off the CPU
     * does not show.
     */
    public void reschedule() {
        synchronized (platform) {
            for (PeriodicTime pt : timers) {
                if (pt.pendingIntrNr == 0) {
                    platform.processMissedTicks(pt);
                    pt.timer.set(pt.scheduled);
                }
            }
            if (platform.correctsGuestTime() && frozenGuestTime != 0) {
                stimeOffset += frozenGuestTime - platform.guestTime(this); // pt_thaw_time
                frozenGuestTime = 0;
            }
        }
    }

    /**
     * {@code pt_update_irq}, on entry into the guest: picks the channel with ticks pending
     * whose next tick is the most overdue in guest time ({@code last_plt_gtime + period}) and
     * raises its line (an edge: deassert, assert). A level-triggered channel is asserted and
     * counted as fired at once, since the guest acknowledges it at the device.
     *
     * @return the IRQ raised, or -1 when no tick is pending
     */
    public int updateIrq() {
        PeriodicTime earliest = null;
        IrqLine line = platform.irqLine();
        synchronized (platform) {
            long maxLag = -1L; // unsigned maximum
            for (PeriodicTime pt : new ArrayList<>(timers)) {
                if (pt.pendingIntrNr == 0) {
                    continue;
                }
                if (!pt.level && line.masked(pt.source, pt.irq)) {
                    // Suspend timer emulation until the line is unmasked.
                    timers.remove(pt);
                    pt.onList = false;
                    suspended.add(pt);
                    continue;
                }
                long due = pt.lastPlatformGuestTime + pt.period;
                if (Long.compareUnsigned(due, maxLag) < 0) {
                    maxLag = due;
                    earliest = pt;
                }
            }
            if (earliest == null) {
                return -1;
            }
            earliest.irqIssued = true;
            if (earliest.level) {
                line.assertIrq(earliest.source, earliest.irq);
                irqFired(earliest);
                if (earliest.callback != null) {
                    earliest.callback.fired(this);
                }
                return earliest.irq;
            }
        }
        line.deassertIrq(earliest.source, earliest.irq);
        line.assertIrq(earliest.source, earliest.irq);
        return earliest.irq;
    }

    /**
     * {@code pt_intr_post}: the guest accepted interrupt {@code irq} from {@code source}. If it
     * is a platform timer's issued tick, the tick counts as delivered ({@code pt_irq_fired})
     * and the device's callback runs.
     *
     * @return whether the interrupt was a platform timer's tick
     */
    public boolean intrPost(IrqSource source, int irq) {
        synchronized (platform) {
            for (PeriodicTime pt : timers) {
                if (pt.pendingIntrNr != 0 && pt.irqIssued && pt.source == source && pt.irq == irq) {
                    irqFired(pt);
                    if (pt.callback != null) {
                        pt.callback.fired(this);
                    }
                    return true;
                }
            }
            return false;
        }
    }

    /** The channels on this vCPU's list. */
    public List<PeriodicTime> timers() {
        synchronized (platform) {
            return List.copyOf(timers);
        }
    }

    // pt_irq_fired.
    private void irqFired(PeriodicTime pt) {
        pt.irqIssued = false;
        TimerMode mode = platform.mode();
        if (pt.oneShot) {
            if (pt.onList) {
                timers.remove(pt);
            }
            pt.onList = false;
            pt.pendingIntrNr = 0;
        } else if (mode == TimerMode.ONE_MISSED_TICK_PENDING || mode == TimerMode.NO_MISSED_TICKS_PENDING) {
            pt.lastPlatformGuestTime = platform.guestTime(this);
            platform.processMissedTicks(pt);
            pt.pendingIntrNr = 0; // 'collapse' all missed ticks
            pt.timer.set(pt.scheduled);
        } else {
            pt.lastPlatformGuestTime += pt.period;
            if (--pt.pendingIntrNr == 0) {
                platform.processMissedTicks(pt);
                if (pt.pendingIntrNr == 0) {
                    pt.timer.set(pt.scheduled);
                }
            }
        }
        // delay_for_missed_ticks: each delivered tick moves guest time up to its due time.
        if (platform.correctsGuestTime() && platform.guestTime(this) - pt.lastPlatformGuestTime < 0) {
            stimeOffset += pt.lastPlatformGuestTime - platform.guestTime(this);
        }
    }
}
