package io.jxen.guest.time;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuSetSingleshotTimerDescriptor;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.Hypervisor;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.futex.Doorbell;
import io.jxen.sim.VirtualClock;

import java.util.Arrays;

/**
 * The in-process hypervisor's platform plus the vCPU timer hypercalls it does not serve yet
 * ({@code VCPUOP_set_singleshot_timer}, {@code stop_singleshot_timer}, {@code stop_periodic_timer},
 * with Xen 4.17's {@code VCPU_SSHOTTMR_future} rule): expiries are delivered by the real
 * hypervisor as {@code VIRQ_TIMER} when the test advances the virtual clock.
 */
final class TimerPlatform implements GuestPlatform {

    private final GuestPlatform inner;
    private final Hypervisor hv;
    private final VirtualClock clock;
    final long[] deadlines;
    int forcedEtime;
    int stopPeriodicCalls;

    TimerPlatform(Hypervisor hv, int domid, VirtualClock clock) {
        this.inner = hv.platform(domid);
        this.hv = hv;
        this.clock = clock;
        this.deadlines = new long[inner.vcpus()];
        Arrays.fill(deadlines, -1);
    }

    /** Xen system time. */
    long now() {
        return hv.systemTime();
    }

    /** Advances the clock and raises VIRQ_TIMER on every vCPU whose deadline passed. */
    void advance(long nanos) {
        clock.advance(nanos);
        for (int v = 0; v < deadlines.length; v++) {
            if (deadlines[v] >= 0 && deadlines[v] <= now()) {
                deadlines[v] = -1;
                hv.sendVcpuVirq(domid(), v, Virq.TIMER);
            }
        }
    }

    private long timerOp(int vcpu, long cmd, long target, long arg) {
        if (target < 0 || target >= deadlines.length) {
            return -XenErrno.ENOENT;
        }
        int t = (int) target;
        if (cmd == VcpuOp.STOP_PERIODIC_TIMER) {
            stopPeriodicCalls++;
            return 0;
        }
        if (cmd == VcpuOp.STOP_SINGLESHOT_TIMER) {
            deadlines[t] = -1;
            return 0;
        }
        GuestPhysicalMemory mem = memory();
        long timeout = mem.getLong(arg + VcpuSetSingleshotTimerDescriptor.TIMEOUT_ABS_NS_OFFSET);
        int flags = mem.getInt(arg + VcpuSetSingleshotTimerDescriptor.FLAGS_OFFSET);
        if (forcedEtime > 0) {
            forcedEtime--;
            return -XenErrno.ETIME;
        }
        if ((flags & VcpuSingleshotFlags.FUTURE) != 0 && timeout < now()) {
            return -XenErrno.ETIME;
        }
        deadlines[t] = timeout;
        return 0;
    }

    @Override
    public int domid() {
        return inner.domid();
    }

    @Override
    public int vcpus() {
        return inner.vcpus();
    }

    @Override
    public Hypercalls hypercalls(int vcpu) {
        Hypercalls real = inner.hypercalls(vcpu);
        return (number, a1, a2, a3, a4, a5) -> {
            if (number == Hypercall.VCPU_OP && (a1 == VcpuOp.SET_SINGLESHOT_TIMER || a1 == VcpuOp.STOP_SINGLESHOT_TIMER
                    || a1 == VcpuOp.STOP_PERIODIC_TIMER)) {
                return timerOp(vcpu, a1, a2, a3);
            }
            return real.hypercall(number, a1, a2, a3, a4, a5);
        };
    }

    @Override
    public GuestPhysicalMemory memory() {
        return inner.memory();
    }

    @Override
    public long startInfoGpa() {
        return inner.startInfoGpa();
    }

    @Override
    public Doorbell doorbell(int vcpu) {
        return inner.doorbell(vcpu);
    }
}
