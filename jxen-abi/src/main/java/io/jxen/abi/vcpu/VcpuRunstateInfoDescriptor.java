package io.jxen.abi.vcpu;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct vcpu_runstate_info} of vcpu.h (x86_64): time a vCPU spent in each run state.
 */
public final class VcpuRunstateInfoDescriptor {

    /** Offset of {@code state}: the current {@code RUNSTATE_*} (vcpu.h). */
    @XenOffsetof(type = "struct vcpu_runstate_info", member = "state")
    public static final int STATE_OFFSET = 0;

    /**
     * Offset of {@code state_entry_time}: system time the state was entered;
     * {@code XEN_RUNSTATE_UPDATE} while updating (vcpu.h).
     */
    @XenOffsetof(type = "struct vcpu_runstate_info", member = "state_entry_time")
    public static final int STATE_ENTRY_TIME_OFFSET = 8;

    /**
     * Offset of {@code time}: nanoseconds spent in each state, indexed by {@code RUNSTATE_*}
     * (vcpu.h).
     */
    @XenOffsetof(type = "struct vcpu_runstate_info", member = "time")
    public static final int TIME_OFFSET = 16;

    /** Bytes in {@code struct vcpu_runstate_info} (vcpu.h). */
    @XenSizeof("struct vcpu_runstate_info")
    public static final int SIZE = 48;

    /** The C alignment of {@code struct vcpu_runstate_info}: where a view of it may start (vcpu.h). */
    @XenConstant(value = "_Alignof(struct vcpu_runstate_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    /** Entries of {@code time} (vcpu.h). */
    @XenConstant("sizeof(((struct vcpu_runstate_info *)0)->time) / sizeof(uint64_t)")
    public static final int NR_TIMES = 4;

    private VcpuRunstateInfoDescriptor() {
    }
}
