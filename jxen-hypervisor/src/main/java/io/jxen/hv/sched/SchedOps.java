package io.jxen.hv.sched;

import io.jxen.abi.XenErrno;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hypercall.abi.SchedAbi;
import io.jxen.memory.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Condition;
import java.util.function.BiConsumer;

/**
 * {@code __HYPERVISOR_sched_op} (xen/common/sched/core.c {@code do_sched_op}): yield, block,
 * shutdown and remote_shutdown. {@code SCHEDOP_poll} and the watchdog are not implemented yet
 * ({@code -ENOSYS}).
 */
public final class SchedOps {

    private final Condition wakeup;
    private final BiConsumer<Domain, ShutdownReason> shutdown;
    private final io.jxen.hv.domain.DomainLookup domains;

    /**
     * @param wakeup   the hypervisor lock's condition vCPUs block on
     * @param shutdown what shuts a domain down ({@code domain_shutdown})
     * @param domains  for remote_shutdown
     */
    public SchedOps(Condition wakeup, BiConsumer<Domain, ShutdownReason> shutdown,
                    io.jxen.hv.domain.DomainLookup domains) {
        this.wakeup = wakeup;
        this.shutdown = shutdown;
        this.domains = domains;
    }

    /** Dispatches {@code SCHEDOP cmd}. */
    public long hypercall(Vcpu caller, long cmd, long arg) {
        return switch ((int) Math.min(cmd, Integer.MAX_VALUE)) {
            case SchedAbi.YIELD -> 0;
            case SchedAbi.BLOCK -> block(caller);
            case SchedAbi.SHUTDOWN -> {
                MemorySegment s = caller.domain().guest().copyIn(arg, SchedAbi.SHUTDOWN_SIZE);
                ShutdownReason reason = ShutdownReason.of(Fields.u32(s, SchedAbi.SHUTDOWN_REASON) & 0xFF);
                if (reason == null) {
                    yield -XenErrno.EINVAL;
                }
                shutdown.accept(caller.domain(), reason);
                yield 0;
            }
            case SchedAbi.REMOTE_SHUTDOWN -> {
                MemorySegment s = caller.domain().guest().copyIn(arg, 8);
                Domain d = domains.byId(Fields.u16(s, 0));
                if (d == null) {
                    yield -XenErrno.ESRCH;
                }
                if (!caller.domain().privileged()) {
                    yield -XenErrno.EPERM; // XSM_DM_PRIV
                }
                ShutdownReason reason = ShutdownReason.of(Fields.u32(s, 4) & 0xFF);
                if (reason == null) {
                    yield -XenErrno.EINVAL;
                }
                shutdown.accept(d, reason);
                yield 0;
            }
            default -> -XenErrno.ENOSYS;
        };
    }

    /**
     * {@code SCHEDOP_block}: clears {@code evtchn_upcall_mask} ("SCHEDOP_block clears the mask
     * atomically", sched.h:49-56), then sleeps until an event is pending for this vCPU, the
     * domain dies, or the thread is interrupted. Returns at once if an upcall is already
     * pending: the unmask-then-check rule.
     */
    long block(Vcpu v) {
        OrderedAccess.setByteVolatile(v.vcpuInfo(), VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, (byte) 0);
        while (OrderedAccess.getByteVolatile(v.vcpuInfo(), VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET) == 0
                && !v.domain().dying() && v.domain().shutdownReason() == null) {
            try {
                wakeup.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
        return 0;
    }
}
