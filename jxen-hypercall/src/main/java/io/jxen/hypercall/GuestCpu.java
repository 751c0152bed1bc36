package io.jxen.hypercall;

/**
 * The instructions of one vCPU, other than the hypercall, whose result comes from the
 * platform: {@code rdtsc}, {@code cpuid}, port I/O, loads and stores to emulated device
 * windows (MMIO), and taking an interrupt. On Xen the first two are answered by the CPU (or
 * trapped by Xen, per the TSC mode and the CPUID policy) and the others cause a VM exit to
 * Xen's device emulation; under jxen each is a call, in-process or over the socket transport.
 *
 * <p>A PV domain has no emulated devices: its port and MMIO accesses read all-ones and write
 * nothing, and it never takes an interrupt here (its events arrive as upcalls). An
 * implementation never throws for anything a guest can pass.
 */
public interface GuestCpu {

    /** {@code rdtsc}: the domain's time stamp counter (the Xen time leaf gives its frequency). */
    long rdtsc();

    /**
     * {@code cpuid} with {@code eax = leaf}, {@code ecx = subleaf}.
     *
     * @return {@code {eax, ebx, ecx, edx}}; all zero for a leaf that does not exist
     */
    int[] cpuid(int leaf, int subleaf);

    /**
     * {@code in}: {@code size} (1, 2 or 4) bytes from {@code port}.
     *
     * @return the value in the low {@code size} bytes; all-ones where no device answers
     */
    int in(int port, int size);

    /** {@code out}: {@code size} (1, 2 or 4) bytes to {@code port}; dropped where no device answers. */
    void out(int port, int size, int value);

    /**
     * A load of {@code size} (1, 2, 4 or 8) bytes at guest-physical {@code gpa} inside an
     * emulated device window (the HPET at 0xfed00000).
     *
     * @return the value; all-ones where no device answers
     */
    long mmioRead(long gpa, int size);

    /** A store of {@code size} bytes at guest-physical {@code gpa}; dropped where no device answers. */
    void mmioWrite(long gpa, int size, long value);

    /**
     * The vCPU enters the guest with interrupts enabled and takes the highest-priority pending
     * platform interrupt (a VM entry with injection, then the guest's acknowledge).
     *
     * @return the ISA IRQ (or IO-APIC GSI) taken, or -1 if none is pending
     */
    int acknowledgeInterrupt();
}
