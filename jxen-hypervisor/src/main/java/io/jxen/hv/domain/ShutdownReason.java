package io.jxen.hv.domain;

/** Why a domain shut down: sched.h {@code SHUTDOWN_*}. */
public enum ShutdownReason {
    /** {@code SHUTDOWN_poweroff}: the domain is done. */
    POWEROFF(io.jxen.abi.sched.ShutdownReason.POWEROFF),
    /** {@code SHUTDOWN_reboot}: clean up, then start again. */
    REBOOT(io.jxen.abi.sched.ShutdownReason.REBOOT),
    /** {@code SHUTDOWN_suspend}: the domain saved its state for save/migrate. */
    SUSPEND(io.jxen.abi.sched.ShutdownReason.SUSPEND),
    /** {@code SHUTDOWN_crash}: the domain crashed (or Xen crashed it). */
    CRASH(io.jxen.abi.sched.ShutdownReason.CRASH),
    /** {@code SHUTDOWN_watchdog}: its watchdog expired. */
    WATCHDOG(io.jxen.abi.sched.ShutdownReason.WATCHDOG),
    /** {@code SHUTDOWN_soft_reset}: a soft reset was requested. */
    SOFT_RESET(io.jxen.abi.sched.ShutdownReason.SOFT_RESET);

    private final int code;

    ShutdownReason(int code) {
        this.code = code;
    }

    /** The {@code SHUTDOWN_*} value. */
    public int code() {
        return code;
    }

    /** The reason for a {@code SHUTDOWN_*} value, or null if there is none (sched.h: {@code SHUTDOWN_MAX} 5). */
    public static ShutdownReason of(long code) {
        for (ShutdownReason reason : values()) {
            if (reason.code == code) {
                return reason;
            }
        }
        return null;
    }
}
