package io.jxen.hypercall.transport;

import io.jxen.hypercall.GuestCpu;
import io.jxen.hypercall.Hypercalls;

/**
 * {@link GuestCpu} of one vCPU of a domain whose hypervisor runs in another JVM: each
 * instruction is a trap frame on the vCPU's connection ({@link HypercallWire#TRAP}), as a VM exit
 * would be. {@code rdtsc} costs a round trip here (Xen's "always emulate" TSC mode has the same
 * shape); the in-process platform answers it without one.
 */
final class SocketCpu implements GuestCpu {

    private final Hypercalls wire;

    SocketCpu(Hypercalls wire) {
        this.wire = wire;
    }

    @Override
    public long rdtsc() {
        return wire.hypercall(HypercallWire.TRAP_RDTSC);
    }

    @Override
    public int[] cpuid(int leaf, int subleaf) {
        long ab = wire.hypercall(HypercallWire.TRAP_CPUID_AB, leaf, subleaf);
        long cd = wire.hypercall(HypercallWire.TRAP_CPUID_CD, leaf, subleaf);
        return new int[] {(int) ab, (int) (ab >>> 32), (int) cd, (int) (cd >>> 32)};
    }

    @Override
    public int in(int port, int size) {
        return (int) wire.hypercall(HypercallWire.TRAP_IN, port, size);
    }

    @Override
    public void out(int port, int size, int value) {
        wire.hypercall(HypercallWire.TRAP_OUT, port, size, value);
    }

    @Override
    public long mmioRead(long gpa, int size) {
        return wire.hypercall(HypercallWire.TRAP_MMIO_READ, gpa, size);
    }

    @Override
    public void mmioWrite(long gpa, int size, long value) {
        wire.hypercall(HypercallWire.TRAP_MMIO_WRITE, gpa, size, value);
    }

    @Override
    public int acknowledgeInterrupt() {
        return (int) wire.hypercall(HypercallWire.TRAP_INTACK);
    }
}
