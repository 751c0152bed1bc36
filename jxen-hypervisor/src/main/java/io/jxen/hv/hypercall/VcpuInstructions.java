package io.jxen.hv.hypercall;

import io.jxen.abi.cpuid.XenCpuidLeaf;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.timekeeping.DomainTimekeeping;
import io.jxen.hv.timekeeping.HvmTimers;
import io.jxen.hypercall.GuestCpu;

import java.util.function.LongSupplier;

/**
 * The non-hypercall instructions of one vCPU ({@link GuestCpu}), answered as Xen 4.17 answers
 * them for an auto-translated guest.
 *
 * <p>{@code rdtsc} reads the domain's TSC (jxen-time's {@code DomainTsc}; no trap, no lock:
 * it is a function of the host clock). {@code cpuid} answers Xen's leaves at
 * {@code 0x40000000} (xen/arch/x86/cpuid.c {@code cpuid_hypervisor_leaves}): the signature
 * and the number of leaves, the version, one hypercall page with the MSR base, the time leaf
 * (sub-leaf 0: flags, TSC mode, guest TSC kHz, incarnation; 1: the emulated-TSC scale, zero
 * since jxen never emulates; 2: host TSC kHz) and, for HVM, the features leaf with the vCPU and
 * domain ids; every other leaf reads zero (jxen passes no host CPUID through). Port and MMIO
 * accesses go to the domain's platform timers ({@link HvmTimers}); a PV domain has none.
 */
public final class VcpuInstructions implements GuestCpu {

    /**
     * {@code tsc_mode} reported in the time leaf: 2, "no emulation" (arch-x86/cpuid.h leaf 4
     * comment; Xen HEAD names it {@code XEN_CPUID_TSC_MODE_NEVER_EMULATE}, absent from the 4.17
     * headers): the guest's {@code rdtsc} is the host TSC plus an offset, never trapped.
     */
    static final int TSC_MODE_NEVER_EMULATE = 2;
    /** Time leaf, sub-leaf 0, eax bit 1: the host TSC is reliable (arch-x86/cpuid.h comment; not in 4.17's defines). */
    static final int TSC_HOST_RELIABLE = 1 << 1;

    private final Vcpu vcpu;
    private final DomainTimekeeping time;
    private final HvmTimers hvm;
    private final LongSupplier versionSupplier;
    private final LongSupplier systemTime;

    /**
     * @param vcpu    the vCPU
     * @param time    its domain's time (for the TSC), or null if the host keeps none
     * @param hvm     its domain's platform timers, or null for a PV domain
     * @param version    {@code major << 16 | minor} for leaf 2
     * @param systemTime the hypervisor's system time: the TSC (1 GHz) of a host that keeps no time
     */
    public VcpuInstructions(Vcpu vcpu, DomainTimekeeping time, HvmTimers hvm, LongSupplier version,
                            LongSupplier systemTime) {
        this.vcpu = vcpu;
        this.time = time;
        this.hvm = hvm;
        this.versionSupplier = version;
        this.systemTime = systemTime;
    }

    @Override
    public long rdtsc() {
        return time == null ? systemTime.getAsLong() : time.rdtsc();
    }

    @Override
    public int[] cpuid(int leaf, int subleaf) {
        int base = XenCpuidLeaf.FIRST_LEAF;
        return switch (leaf - base) {
            case 0 -> new int[] {base + XenCpuidLeaf.MAX_NUM_LEAVES, XenCpuidLeaf.SIGNATURE_EBX,
                    XenCpuidLeaf.SIGNATURE_ECX, XenCpuidLeaf.SIGNATURE_EDX};
            case 1 -> new int[] {(int) versionSupplier.getAsLong(), 0, 0, 0};
            // One hypercall page; Xen's MSR base 0x40000000; PV-MMU guests get PRESERVE_AD.
            case 2 -> new int[] {1, 0x4000_0000, hvm == null ? XenCpuidLeaf.FEAT1_MMU_PT_UPDATE_PRESERVE_AD : 0, 0};
            case 3 -> timeLeaf(subleaf);
            case 4 -> hvm == null ? new int[4] : new int[] {
                    XenCpuidLeaf.HVM_VCPU_ID_PRESENT | XenCpuidLeaf.HVM_DOMID_PRESENT,
                    vcpu.id(), vcpu.domain().domid(), 0};
            default -> new int[4];
        };
    }

    private int[] timeLeaf(int subleaf) {
        int khz = (int) ((time == null ? 1_000_000_000L : time.tscFrequencyHz()) / 1000);
        return switch (subleaf) {
            case 0 -> new int[] {TSC_HOST_RELIABLE, TSC_MODE_NEVER_EMULATE, khz, 0};
            case 2 -> new int[] {khz, 0, 0, 0}; // jxen's domains run at the host frequency
            default -> new int[4];
        };
    }

    @Override
    public int in(int port, int size) {
        if (hvm == null) {
            return size == 4 ? -1 : size == 2 ? 0xFFFF : 0xFF;
        }
        return hvm.portRead(port, size);
    }

    @Override
    public void out(int port, int size, int value) {
        if (hvm != null) {
            hvm.portWrite(port, size, value);
        }
    }

    @Override
    public long mmioRead(long gpa, int size) {
        if (hvm == null || size < 1 || size > 8) {
            return -1L;
        }
        return hvm.mmioRead(gpa, size);
    }

    @Override
    public void mmioWrite(long gpa, int size, long value) {
        if (hvm != null) {
            hvm.mmioWrite(gpa, size, value);
        }
    }

    @Override
    public int acknowledgeInterrupt() {
        return hvm == null ? -1 : hvm.acknowledgeInterrupt(vcpu.id());
    }
}
