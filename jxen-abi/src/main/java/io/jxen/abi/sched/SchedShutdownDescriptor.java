package io.jxen.abi.sched;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct sched_shutdown} of sched.h: argument of {@code SCHEDOP_shutdown}.
 */
public final class SchedShutdownDescriptor {

    /** Offset of {@code reason}: A {@code SHUTDOWN_*} reason (sched.h). */
    @XenOffsetof(type = "struct sched_shutdown", member = "reason")
    public static final int REASON_OFFSET = 0;

    /** Bytes in {@code struct sched_shutdown} (sched.h). */
    @XenSizeof("struct sched_shutdown")
    public static final int SIZE = 4;

    /** The C alignment of {@code struct sched_shutdown}: where a view of it may start (sched.h). */
    @XenConstant(value = "_Alignof(struct sched_shutdown)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private SchedShutdownDescriptor() {
    }
}
