package io.jxen.guest;

import io.jxen.runtime.Agent;

/**
 * A vCPU's run loop as an {@link Agent}: each {@link #doWork()} is a preemption point that
 * delivers pending upcalls (interrupt filters run here; threaded handlers are scheduled).
 * Stepped by the simulation runner in tests, or run on a thread of its own; a threaded loop
 * that finds nothing to do may call {@link GuestVcpu#idle()} to block in {@code SCHEDOP_block}
 * until the next event instead of spinning.
 */
public final class VcpuRunLoop implements Agent {

    private final GuestVcpu vcpu;
    private final String role;

    /**
     * @param kernel the guest
     * @param vcpu   which vCPU this loop runs
     */
    public VcpuRunLoop(GuestKernel kernel, int vcpu) {
        this.vcpu = kernel.vcpu(vcpu);
        this.role = "guest-d" + kernel.domid() + "-vcpu" + vcpu;
    }

    @Override
    public int doWork() {
        return vcpu.poll();
    }

    @Override
    public String roleName() {
        return role;
    }
}
