package io.jxen.abi.sched;

import io.jxen.abi.XenConstant;

/**
 * Reasons of {@code sched_shutdown} and {@code sched_remote_shutdown} (sched.h {@code SHUTDOWN_*}).
 */
public final class ShutdownReason {

    /** Exited normally: clean up and kill: {@code SHUTDOWN_poweroff} (sched.h). */
    @XenConstant("SHUTDOWN_poweroff")
    public static final int POWEROFF = 0;

    /** Clean up, kill and restart: {@code SHUTDOWN_reboot} (sched.h). */
    @XenConstant("SHUTDOWN_reboot")
    public static final int REBOOT = 1;

    /** Clean up, save suspend info, kill: {@code SHUTDOWN_suspend} (sched.h). */
    @XenConstant("SHUTDOWN_suspend")
    public static final int SUSPEND = 2;

    /** The domain crashed: {@code SHUTDOWN_crash} (sched.h). */
    @XenConstant("SHUTDOWN_crash")
    public static final int CRASH = 3;

    /** The watchdog expired: restart: {@code SHUTDOWN_watchdog} (sched.h). */
    @XenConstant("SHUTDOWN_watchdog")
    public static final int WATCHDOG = 4;

    /** Reset the domain in place (kexec): {@code SHUTDOWN_soft_reset} (sched.h). */
    @XenConstant("SHUTDOWN_soft_reset")
    public static final int SOFT_RESET = 5;

    /** The highest valid reason: {@code SHUTDOWN_MAX} (sched.h). */
    @XenConstant("SHUTDOWN_MAX")
    public static final int MAX = 5;

    private ShutdownReason() {
    }
}
