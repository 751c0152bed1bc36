package io.jxen.hv.time.vpt;

/**
 * Wakes a vCPU so that it enters the guest and takes a pending timer interrupt (Xen's
 * {@code vcpu_kick}); at that entry the hypervisor calls {@link VcpuPlatformTime#updateIrq()}.
 * Called from the timer agent's thread with no lock of this module held.
 */
@FunctionalInterface
public interface VcpuKicker {

    /** Kicks vCPU {@code vcpuId}. */
    void kick(int vcpuId);
}
