package io.jxen.abi.sched;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_sched_op} (sched.h {@code SCHEDOP_*}).
 */
public final class SchedOp {

    /** Gives up the CPU: {@code SCHEDOP_yield} (sched.h). */
    @XenConstant("SCHEDOP_yield")
    public static final int YIELD = 0;

    /** Blocks until an event arrives: {@code SCHEDOP_block} (sched.h). */
    @XenConstant("SCHEDOP_block")
    public static final int BLOCK = 1;

    /** Shuts the caller down ({@code struct sched_shutdown}): {@code SCHEDOP_shutdown} (sched.h). */
    @XenConstant("SCHEDOP_shutdown")
    public static final int SHUTDOWN = 2;

    /** Blocks until one of some ports is pending or a timeout: {@code SCHEDOP_poll} (sched.h). */
    @XenConstant("SCHEDOP_poll")
    public static final int POLL = 3;

    /** Shuts another domain down: {@code SCHEDOP_remote_shutdown} (sched.h). */
    @XenConstant("SCHEDOP_remote_shutdown")
    public static final int REMOTE_SHUTDOWN = 4;

    /** Records the shutdown reason for a later suspend: {@code SCHEDOP_shutdown_code} (sched.h). */
    @XenConstant("SCHEDOP_shutdown_code")
    public static final int SHUTDOWN_CODE = 5;

    /** Arms, pets or stops a domain watchdog: {@code SCHEDOP_watchdog} (sched.h). */
    @XenConstant("SCHEDOP_watchdog")
    public static final int WATCHDOG = 6;

    /** Overrides vCPU pinning (dom0): {@code SCHEDOP_pin_override} (sched.h). */
    @XenConstant("SCHEDOP_pin_override")
    public static final int PIN_OVERRIDE = 7;

    private SchedOp() {
    }
}
