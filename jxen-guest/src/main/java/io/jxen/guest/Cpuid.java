package io.jxen.guest;

/**
 * The {@code cpuid} instruction as the guest sees it: four 32-bit registers per leaf. The
 * platform ({@link io.jxen.hypercall.GuestPlatform}) has no CPUID yet; {@link XenCpuid} builds
 * the hypervisor leaves from the version hypercall until it does.
 */
@FunctionalInterface
public interface Cpuid {

    /**
     * Executes {@code cpuid} with {@code eax = leaf}, {@code ecx = subleaf}.
     *
     * @return {@code {eax, ebx, ecx, edx}}; all zero for a leaf that does not exist
     */
    int[] cpuid(int leaf, int subleaf);
}
