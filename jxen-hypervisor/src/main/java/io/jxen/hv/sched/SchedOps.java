package io.jxen.hv.sched;

import io.jxen.abi.XenErrno;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.sched.SchedPollDescriptor;
import io.jxen.abi.sched.SchedShutdownDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.HypervisorLock;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.HaltPoll;

import java.lang.foreign.MemorySegment;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code __HYPERVISOR_sched_op} (xen/common/sched/core.c {@code do_sched_op}): yield, block,
 * poll, shutdown, remote_shutdown, shutdown_code and watchdog. A vCPU waiting in block or poll
 * is {@code RUNSTATE_blocked} (and descheduled for its time) until it returns.
 *
 * <p>A vCPU that blocks first halt-polls ({@link HaltPoll}, KVM's {@code kvm_vcpu_halt}): with
 * the hypervisor lock released it spins for its adaptive window, while a core is spare, on its
 * {@code evtchn_upcall_pending} and on the lock's signal count (every wake-up a sleeper would
 * get), then re-checks under the lock and sleeps on the condition only if still not woken.
 */
public final class SchedOps {

    private final HypervisorLock lock;
    private final HaltPoll haltPoll;
    private final BiConsumer<Domain, ShutdownReason> shutdown;
    private final io.jxen.hv.domain.DomainLookup domains;
    private final LongSupplier systemTime;
    private int waiting;

    /**
     * @param lock     the hypervisor lock, released while a blocking vCPU halt-polls
     * @param haltPoll the host's halt-polling policy ({@link HaltPoll#off()}: block at once)
     * @param shutdown what shuts a domain down ({@code domain_shutdown})
     * @param domains  for remote_shutdown
     * @param systemTime Xen system time in ns (since the hypervisor started), from the injected clock
     */
    public SchedOps(HypervisorLock lock, HaltPoll haltPoll, BiConsumer<Domain, ShutdownReason> shutdown,
                    io.jxen.hv.domain.DomainLookup domains, LongSupplier systemTime) {
        this.lock = lock;
        this.haltPoll = haltPoll;
        this.shutdown = shutdown;
        this.domains = domains;
        this.systemTime = systemTime;
    }

    /** vCPUs currently waiting in SCHEDOP_block or SCHEDOP_poll (hypervisor lock held). */
    public int waiting() {
        return waiting;
    }

    /** Dispatches {@code SCHEDOP cmd}. */
    public long hypercall(Vcpu caller, long cmd, long arg) {
        return switch ((int) cmd) { // do_sched_op(int cmd, ...)
            case SchedOp.YIELD -> 0;
            case SchedOp.BLOCK -> block(caller);
            case SchedOp.POLL -> poll(caller, arg);
            case SchedOp.SHUTDOWN -> {
                MemorySegment s = caller.domain().guest().copyIn(arg, SchedShutdownDescriptor.SIZE);
                ShutdownReason reason = ShutdownReason.of(Fields.u32(s, SchedShutdownDescriptor.REASON_OFFSET) & 0xFF);
                if (reason == null) {
                    yield -XenErrno.EINVAL;
                }
                shutdown.accept(caller.domain(), reason);
                yield 0;
            }
            case SchedOp.REMOTE_SHUTDOWN -> {
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
            case SchedOp.SHUTDOWN_CODE -> {
                // Records (u8)reason if no code is set yet; domain_shutdown then uses it.
                MemorySegment s = caller.domain().guest().copyIn(arg, SchedShutdownDescriptor.SIZE);
                caller.domain().setShutdownCode((int) Fields.u32(s, SchedShutdownDescriptor.REASON_OFFSET));
                yield 0;
            }
            case SchedOp.WATCHDOG -> {
                // struct sched_watchdog { uint32_t id; uint32_t timeout; }
                MemorySegment s = caller.domain().guest().copyIn(arg, 8);
                yield caller.domain().watchdogs().op(Fields.u32(s, 0), Fields.u32(s, 4), systemTime.getAsLong());
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
        waiting++;
        v.setBlocked(true);
        long start = haltPoll.start();
        boolean polling = haltPoll.enabled();
        try {
            while (!upcallPending(v) && !v.domain().dying() && v.domain().shutdownReason() == null) {
                if (polling) {
                    polling = haltPollReleased(v, start, () -> upcallPending(v));
                    continue; // polled: look again under the lock
                }
                try {
                    v.wakeCondition().await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
            return 0;
        } finally {
            haltPoll.finish(start, v.haltPollWindow(), upcallPending(v));
            waiting--;
            v.setBlocked(false);
        }
    }

    private static boolean upcallPending(Vcpu v) {
        return OrderedAccess.getByteVolatile(v.vcpuInfo(), VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET) != 0;
    }

    /**
     * One halt-poll with the lock released: spins on {@code woken} and on the lock's signal
     * count until one changes, the window from {@code start} passes or no core is spare, then
     * re-takes the lock (spinning on it first, as its holder is usually the waker about to
     * release it).
     *
     * @return whether the poll saw a wake-up (worth polling again if the re-check finds none
     *         for this vCPU: the signal was another waiter's); false once the window is over
     */
    private boolean haltPollReleased(Vcpu v, long start, BooleanSupplier woken) {
        HaltPoll.Window window = v.haltPollWindow();
        if (!haltPoll.willPoll(start, window)) {
            return false; // sleep at once, the lock kept: as without halt-polling
        }
        long seen = lock.signals();
        return lock.releasedWhile(
                () -> haltPoll.poll(start, window, () -> lock.signals() != seen || woken.getAsBoolean()),
                haltPoll::spinUntil);
    }

    /** {@code SCHEDOP_poll} takes at most this many ports (sched/core.c {@code do_poll}). */
    static final int MAX_POLL_PORTS = 128;
    /** Longest single wait of a poll with a timeout before it re-reads the clock. */
    static final long POLL_RECHECK_NANOS = 1_000_000;

    /**
     * {@code SCHEDOP_poll} (sched/core.c {@code do_poll}): {@code nr_ports > 128} is
     * {@code -EINVAL}; an unreadable port list {@code -EFAULT}; a port beyond the ABI's limit
     * {@code -EINVAL}; returns at once if any listed port is pending (masked or not), otherwise
     * waits until one is, the absolute {@code timeout} (Xen system time, 0 = none) passes, or the
     * domain dies. The ports are re-read from the copy taken at entry only.
     */
    long poll(Vcpu v, long arg) {
        Domain d = v.domain();
        MemorySegment s = d.guest().copyIn(arg, SchedPollDescriptor.SIZE);
        long portsGpa = Fields.u64(s, SchedPollDescriptor.PORTS_OFFSET);
        long nrPorts = Fields.u32(s, SchedPollDescriptor.NR_PORTS_OFFSET);
        long timeout = Fields.u64(s, SchedPollDescriptor.TIMEOUT_OFFSET);
        if (nrPorts > MAX_POLL_PORTS) {
            return -XenErrno.EINVAL;
        }
        // do_poll: each port is copied in turn (-EFAULT), checked (-EINVAL), and a pending one
        // ends the poll at once, before later ports are looked at.
        int[] ports = new int[(int) nrPorts];
        for (int i = 0; i < ports.length; i++) {
            long port = Integer.toUnsignedLong(d.guest().get32(portsGpa + 4L * i));
            if (port >= d.eventChannels().maxEvtchns()) {
                return -XenErrno.EINVAL;
            }
            ports[i] = (int) port;
            if (d.eventChannels().pending(ports[i])) {
                return 0;
            }
        }
        waiting++;
        v.setBlocked(true);
        v.setPolling(true);
        long start = haltPoll.start();
        boolean polling = haltPoll.enabled();
        boolean event = true;
        try {
            while (!anyPending(d, ports) && !d.dying() && d.shutdownReason() == null) {
                long now = systemTime.getAsLong();
                if (timeout != 0 && now >= timeout) {
                    return 0;
                }
                if (polling) {
                    // The ports' state is read under the lock only: the poll watches the signal
                    // count alone (an event on a polled port signals, as evtchn_set_pending wakes pollers).
                    polling = haltPollReleased(v, start, () -> false);
                    continue;
                }
                try {
                    if (timeout == 0) {
                        v.wakeCondition().await();
                    } else {
                        v.wakeCondition().awaitNanos(Math.min(timeout - now, POLL_RECHECK_NANOS));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    event = false;
                    return 0;
                }
            }
            return 0;
        } finally {
            haltPoll.finish(start, v.haltPollWindow(), event && !d.dying() && d.shutdownReason() == null);
            waiting--;
            v.setPolling(false);
            v.setBlocked(false);
        }
    }

    private static boolean anyPending(Domain d, int[] ports) {
        for (int port : ports) {
            if (d.eventChannels().pending(port)) {
                return true;
            }
        }
        return false;
    }
}
