package io.jxen.hv.timekeeping;

/**
 * An HVM/PVH domain's emulated platform timers (jxen-time's {@code HvmPlatform}: PIT, RTC,
 * ACPI PM timer, HPET) as the hypervisor reaches them: the port and MMIO accesses its vCPUs
 * make, the interrupts they take, and the timer {@code HVM_PARAM_*}s. Values follow
 * {@code io.jxen.hypercall.GuestCpu}: all-ones where no device answers.
 */
public interface HvmTimers {

    /** {@code in} of {@code size} bytes at {@code port}. */
    int portRead(int port, int size);

    /** {@code out}; false if no device claimed the port. */
    boolean portWrite(int port, int size, int value);

    /** A load of {@code size} bytes at guest-physical {@code gpa}. */
    long mmioRead(long gpa, int size);

    /** A store; false if no device claimed the address. */
    boolean mmioWrite(long gpa, int size, long value);

    /** vCPU {@code vcpu} enters the guest and takes one platform interrupt: its IRQ, or -1. */
    int acknowledgeInterrupt(int vcpu);

    /** Whether {@code index} is an {@code HVM_PARAM_*} the platform timers own. */
    boolean ownsParam(int index);

    /** {@code HVMOP_set_param} of an owned parameter: 0 or a negative Xen errno. */
    int setParam(int index, long value);

    /** {@code HVMOP_get_param} of an owned parameter. */
    long getParam(int index);
}
