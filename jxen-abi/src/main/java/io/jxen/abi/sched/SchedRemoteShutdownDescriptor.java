package io.jxen.abi.sched;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct sched_remote_shutdown} of sched.h: argument of {@code SCHEDOP_remote_shutdown}.
 */
public final class SchedRemoteShutdownDescriptor {

    /** Offset of {@code domain_id}: the domain to shut down (sched.h). */
    @XenOffsetof(type = "struct sched_remote_shutdown", member = "domain_id")
    public static final int DOMAIN_ID_OFFSET = 0;

    /** Offset of {@code reason}: A {@code SHUTDOWN_*} reason (sched.h). */
    @XenOffsetof(type = "struct sched_remote_shutdown", member = "reason")
    public static final int REASON_OFFSET = 4;

    /** Bytes in {@code struct sched_remote_shutdown} (sched.h). */
    @XenSizeof("struct sched_remote_shutdown")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct sched_remote_shutdown}: where a view of it may start
     * (sched.h).
     */
    @XenConstant(value = "_Alignof(struct sched_remote_shutdown)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private SchedRemoteShutdownDescriptor() {
    }
}
