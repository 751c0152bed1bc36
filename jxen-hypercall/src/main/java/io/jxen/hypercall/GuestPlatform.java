package io.jxen.hypercall;

import io.jxen.memory.futex.Doorbell;

/**
 * What a guest is handed when it boots, and all it ever gets from the platform: one
 * {@link Hypercalls} per vCPU, a view of its own pseudo-physical memory, and where its
 * start_info page is (a PV guest's {@code %rsi}). Everything else (shared_info, the xenstore
 * and console rings, grant frames) the guest finds from start_info and hypercalls, as on Xen.
 * The in-process hypervisor implements it directly; a transport for a domain in another JVM
 * implements the same interface.
 */
public interface GuestPlatform {

    /** The domain's id (a guest learns it from xenstore on Xen; jxen hands it over for logs). */
    int domid();

    /** Number of vCPUs. */
    int vcpus();

    /**
     * The hypercall instruction of vCPU {@code vcpu}.
     *
     * @throws IllegalArgumentException if there is no such vCPU
     */
    Hypercalls hypercalls(int vcpu);

    /** The guest's view of its pseudo-physical memory. */
    GuestPhysicalMemory memory();

    /** Guest-physical address of the start_info page. */
    long startInfoGpa();

    /**
     * The doorbell of vCPU {@code vcpu}: rung each time the hypervisor raises
     * {@code evtchn_upcall_pending} for it, so a run loop idling outside a hypercall can sleep
     * (a futex on shared memory, across processes) instead of spinning. Read
     * {@link Doorbell#rings()}, check vcpu_info, then {@link Doorbell#await} with what was read.
     */
    Doorbell doorbell(int vcpu);

    /**
     * The interrupt line of vCPU {@code vcpu} ({@link InterruptLine}): where a guest thread about
     * to sleep for something this vCPU's interrupts bring about waits and runs the upcall itself,
     * sparing the vCPU's idle thread a wake-up.
     *
     * @return the line, or null where the hypervisor is in another process (the guest's threads
     *         then sleep as usual and the idle thread takes every upcall)
     * @throws IllegalArgumentException if there is no such vCPU
     */
    default InterruptLine interruptLine(int vcpu) {
        return null;
    }

    /**
     * Attaches {@code poller} to this domain's port {@code port} ({@link ChannelPoller}), or
     * detaches with null. The hypervisor drops it when the port is closed.
     *
     * @return false where the hypervisor is in another process, or the port is not an
     *         interdomain channel of this domain
     */
    default boolean attachPoller(int port, ChannelPoller poller) {
        return false;
    }

    /**
     * The poller attached to the far end of this domain's interdomain port {@code port}.
     *
     * @return it, or null: none attached, the port not interdomain, or the hypervisor in
     *         another process (then nobody lends a thread, and events go as on Xen)
     */
    default ChannelPoller peerPoller(int port) {
        return null;
    }

    /**
     * The non-hypercall instructions of vCPU {@code vcpu} ({@code rdtsc}, {@code cpuid}, port
     * and MMIO accesses to emulated devices, interrupt acknowledge).
     *
     * @return the vCPU's instructions, or null for a platform that models no CPU (test doubles
     *         of the hypercall interface alone)
     * @throws IllegalArgumentException if there is no such vCPU
     */
    default GuestCpu cpu(int vcpu) {
        return null;
    }
}
