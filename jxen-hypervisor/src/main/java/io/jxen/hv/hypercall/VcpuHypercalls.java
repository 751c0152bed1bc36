package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hypercall.Hypercalls;

import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process transport: {@link Hypercalls} bound to one vCPU. Every call runs under the
 * hypervisor lock (one big lock for now: simple and obviously correct; the shared-memory bit
 * operations are atomic for the guest's concurrent accesses). A hypervisor bug that throws is
 * counted and answered with {@code -EFAULT} rather than let out to the guest.
 */
public final class VcpuHypercalls implements Hypercalls {

    private final ReentrantLock lock;
    private final HypercallTable table;
    private final Vcpu vcpu;
    private final Consumer<Throwable> internalErrors;

    /**
     * @param internalErrors told of every hypervisor exception caught at this boundary
     */
    public VcpuHypercalls(ReentrantLock lock, HypercallTable table, Vcpu vcpu, Consumer<Throwable> internalErrors) {
        this.lock = lock;
        this.table = table;
        this.vcpu = vcpu;
        this.internalErrors = internalErrors;
    }

    /** The bound vCPU. */
    public Vcpu vcpu() {
        return vcpu;
    }

    @Override
    public long hypercall(int number, long a1, long a2, long a3, long a4, long a5) {
        lock.lock();
        try {
            if (vcpu.domain().dying()) {
                return -XenErrno.ESRCH;
            }
            vcpu.noteHostThread(Thread.currentThread().threadId());
            return table.dispatch(vcpu, number, a1, a2, a3, a4, a5);
        } catch (RuntimeException bug) {
            internalErrors.accept(bug);
            return -XenErrno.EFAULT;
        } finally {
            lock.unlock();
        }
    }
}
