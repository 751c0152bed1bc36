package io.jxen.hv.time.vpt;

import io.jxen.hv.time.timer.TimerQueue;

/**
 * One platform timer channel, Xen's {@code struct periodic_time} (xen/arch/x86/include/asm/hvm/vpt.h):
 * a period (0 = one-shot), the host time of the next tick, the guest time of the last
 * delivered tick, and the count of ticks due but not yet delivered. Created and destroyed
 * through {@link PlatformTime}; all state is guarded by the platform-time lock.
 */
public final class PeriodicTime {

    /** Called when a tick of this timer is delivered (Xen's {@code time_cb}), under the platform-time lock. */
    @FunctionalInterface
    public interface Callback {
        /** @param vcpu the vCPU the tick was delivered to */
        void fired(VcpuPlatformTime vcpu);
    }

    final String name;
    final IrqSource source;
    VcpuPlatformTime vcpu;
    TimerQueue.Timer timer;
    long period;
    long scheduled;
    long lastPlatformGuestTime;
    long pendingIntrNr;
    int irq;
    boolean oneShot;
    boolean level;
    boolean irqIssued;
    boolean doNotFreeze;
    boolean onList;
    Callback callback;
    boolean warnedTooShort;

    /** A timer not yet created, for interrupts from {@code source}. */
    public PeriodicTime(String name, IrqSource source) {
        this.name = name;
        this.source = source;
    }

    /** The period in ns, 0 for a one-shot. */
    public long period() {
        return period;
    }

    /** Ticks due and not yet delivered ({@code pending_intr_nr}). */
    public long pendingIntrNr() {
        return pendingIntrNr;
    }

    /** Host system time of the next tick ({@code scheduled}). */
    public long scheduled() {
        return scheduled;
    }

    /** Guest time of the last delivered tick ({@code last_plt_gtime}). */
    public long lastPlatformGuestTime() {
        return lastPlatformGuestTime;
    }

    /** Whether it is on its vCPU's list (created, not destroyed, not suspended). */
    public boolean onList() {
        return onList;
    }

    /** The IRQ it raises. */
    public int irq() {
        return irq;
    }

    /** Its interrupt source. */
    public IrqSource source() {
        return source;
    }

    @Override
    public String toString() {
        return name + "{period=" + period + ", scheduled=" + scheduled + ", pending=" + pendingIntrNr + "}";
    }
}
