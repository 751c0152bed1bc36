package io.jxen.hypercall.abi;

/**
 * sched.h: {@code SCHEDOP_*}, {@code SHUTDOWN_*} and their argument structures. Move to jxen-abi.
 */
public final class SchedAbi {

    /** {@code SCHEDOP_yield}. */
    public static final int YIELD = 0;
    /** {@code SCHEDOP_block}. */
    public static final int BLOCK = 1;
    /** {@code SCHEDOP_shutdown}. */
    public static final int SHUTDOWN = 2;
    /** {@code SCHEDOP_poll}. */
    public static final int POLL = 3;
    /** {@code SCHEDOP_remote_shutdown}. */
    public static final int REMOTE_SHUTDOWN = 4;
    /** {@code SCHEDOP_shutdown_code}. */
    public static final int SHUTDOWN_CODE = 5;
    /** {@code SCHEDOP_watchdog}. */
    public static final int WATCHDOG = 6;

    /** {@code SHUTDOWN_poweroff}. */
    public static final int SHUTDOWN_POWEROFF = 0;
    /** {@code SHUTDOWN_reboot}. */
    public static final int SHUTDOWN_REBOOT = 1;
    /** {@code SHUTDOWN_suspend}. */
    public static final int SHUTDOWN_SUSPEND = 2;
    /** {@code SHUTDOWN_crash}. */
    public static final int SHUTDOWN_CRASH = 3;
    /** {@code SHUTDOWN_watchdog}. */
    public static final int SHUTDOWN_WATCHDOG = 4;
    /** {@code SHUTDOWN_soft_reset}. */
    public static final int SHUTDOWN_SOFT_RESET = 5;

    /** {@code struct sched_shutdown.reason} (unsigned int); {@code sizeof} is 4. */
    public static final int SHUTDOWN_REASON = 0;
    /** {@code sizeof(struct sched_shutdown)}. */
    public static final int SHUTDOWN_SIZE = 4;

    /** {@code struct sched_poll.ports} (guest handle of evtchn_port_t). */
    public static final int POLL_PORTS = 0;
    /** {@code .nr_ports}. */
    public static final int POLL_NR_PORTS = 8;
    /** {@code .timeout}. */
    public static final int POLL_TIMEOUT = 16;
    /** {@code sizeof(struct sched_poll)}. */
    public static final int POLL_SIZE = 24;

    private SchedAbi() {
    }
}
