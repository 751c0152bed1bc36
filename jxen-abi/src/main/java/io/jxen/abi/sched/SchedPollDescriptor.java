package io.jxen.abi.sched;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct sched_poll} of sched.h (x86_64): argument of {@code SCHEDOP_poll}.
 */
public final class SchedPollDescriptor {

    /** Offset of {@code ports}: guest handle of the port array (sched.h). */
    @XenOffsetof(type = "struct sched_poll", member = "ports")
    public static final int PORTS_OFFSET = 0;

    /** Offset of {@code nr_ports}: ports in the array (sched.h). */
    @XenOffsetof(type = "struct sched_poll", member = "nr_ports")
    public static final int NR_PORTS_OFFSET = 8;

    /** Offset of {@code timeout}: absolute system-time timeout; 0 waits forever (sched.h). */
    @XenOffsetof(type = "struct sched_poll", member = "timeout")
    public static final int TIMEOUT_OFFSET = 16;

    /** Bytes in {@code struct sched_poll} (sched.h). */
    @XenSizeof("struct sched_poll")
    public static final int SIZE = 24;

    /** The C alignment of {@code struct sched_poll}: where a view of it may start (sched.h). */
    @XenConstant(value = "_Alignof(struct sched_poll)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private SchedPollDescriptor() {
    }
}
