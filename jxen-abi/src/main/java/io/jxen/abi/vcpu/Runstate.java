package io.jxen.abi.vcpu;

import io.jxen.abi.XenConstant;

/**
 * vCPU run states (vcpu.h {@code RUNSTATE_*}), indices of {@code vcpu_runstate_info.time[]},
 * and the flag Xen sets in {@code state_entry_time} while updating.
 */
public final class Runstate {

    /** Running on a physical CPU: {@code RUNSTATE_running} (vcpu.h). */
    @XenConstant("RUNSTATE_running")
    public static final int RUNNING = 0;

    /** Ready to run but not running: {@code RUNSTATE_runnable} (vcpu.h). */
    @XenConstant("RUNSTATE_runnable")
    public static final int RUNNABLE = 1;

    /** Waiting for an event: {@code RUNSTATE_blocked} (vcpu.h). */
    @XenConstant("RUNSTATE_blocked")
    public static final int BLOCKED = 2;

    /** Down or paused: {@code RUNSTATE_offline} (vcpu.h). */
    @XenConstant("RUNSTATE_offline")
    public static final int OFFLINE = 3;

    /** Bit of {@code state_entry_time} set during an update: {@code XEN_RUNSTATE_UPDATE} (vcpu.h). */
    @XenConstant("XEN_RUNSTATE_UPDATE")
    public static final long XEN_RUNSTATE_UPDATE = 0x8000000000000000L;

    private Runstate() {
    }
}
