package io.jxen.guest.time;

import io.jxen.guest.GuestKernel;

/**
 * The {@code xentimer} device: one instance per guest, which registers exactly one timecounter
 * ({@link XenTimecounter}), one per-vCPU event timer ({@link XenEventTimer}) and the RTC
 * ({@link XenRtc}), as FreeBSD's driver attaches once.
 */
public final class XenTimeDevice {

    private final XenTimecounter timecounter;
    private final XenEventTimer eventTimer;
    private final XenRtc rtc;

    private XenTimeDevice(GuestKernel kernel) {
        this.timecounter = new XenTimecounter(kernel, kernel::rdtsc);
        this.eventTimer = new XenEventTimer(kernel, timecounter);
        this.rtc = new XenRtc(kernel.sharedInfo(), timecounter);
    }

    /**
     * Attaches the device to {@code kernel}.
     *
     * @throws IllegalStateException if it is already attached there (one event timer and one
     *                               timecounter per guest)
     */
    public static XenTimeDevice attach(GuestKernel kernel) {
        return kernel.attachOnce(XenTimeDevice.class, XenTimeDevice::new);
    }

    /** The timecounter. */
    public XenTimecounter timecounter() {
        return timecounter;
    }

    /** The per-vCPU event timer. */
    public XenEventTimer eventTimer() {
        return eventTimer;
    }

    @Override
    public String toString() {
        return "xentimer (" + XenTimecounter.NAME + ", " + eventTimer.irqCount() + " event timers)";
    }

    /** The RTC. */
    public XenRtc rtc() {
        return rtc;
    }
}
