package io.jxen.guest;

import io.jxen.abi.Hypercall;
import io.jxen.abi.version.XenVer;
import io.jxen.hypercall.Hypercalls;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Hypervisor CPUID leaves as Xen exposes them (xen/arch/x86/cpuid.c, {@code cpuid_hypervisor_leaves}):
 * leaf {@code base} answers the largest hypervisor leaf in {@code eax} and "XenVMMXenVMM" in
 * {@code ebx:ecx:edx}, leaf {@code base + 1} the version {@code major << 16 | minor}. With
 * Viridian enabled Xen moves its leaves to {@code 0x40000100} and leaf {@code 0x40000000}
 * carries "Microsoft Hv", which is why guests scan in steps of {@code 0x100}.
 *
 * <p>A stand-in until {@link io.jxen.hypercall.GuestPlatform} offers CPUID: the version comes
 * from {@code XENVER_version}.
 */
public final class XenCpuid implements Cpuid {

    /** First hypervisor leaf. */
    public static final int HYPERVISOR_BASE = 0x4000_0000;
    /** Xen's signature in {@code ebx:ecx:edx}. */
    public static final String XEN_SIGNATURE = "XenVMMXenVMM";
    /** Hyper-V's signature, in front of Xen's leaves when Viridian is on. */
    public static final String VIRIDIAN_SIGNATURE = "Microsoft Hv";
    /** Leaves Xen reports past its base ({@code XEN_CPUID_MAX_NUM_LEAVES} is 5 in 4.17). */
    public static final int XEN_LEAVES = 5;

    private final int xenBase;
    private final int version;

    private XenCpuid(int xenBase, int version) {
        this.xenBase = xenBase;
        this.version = version;
    }

    /**
     * Leaves built from {@code XENVER_version}.
     *
     * @param hypercalls any vCPU's hypercalls
     * @param viridian   whether a Viridian block sits in front (Xen's leaves at {@code +0x100})
     */
    public static XenCpuid fromVersionHypercall(Hypercalls hypercalls, boolean viridian) {
        long v = hypercalls.hypercall(Hypercall.XEN_VERSION, XenVer.VERSION, 0);
        return new XenCpuid(viridian ? HYPERVISOR_BASE + 0x100 : HYPERVISOR_BASE, v < 0 ? 0 : (int) v);
    }

    /** Leaves of a hypervisor with the given base and version, for tests of the scan. */
    public static XenCpuid of(int xenBase, int version) {
        return new XenCpuid(xenBase, version);
    }

    @Override
    public int[] cpuid(int leaf, int subleaf) {
        if (xenBase != HYPERVISOR_BASE && leaf == HYPERVISOR_BASE) {
            return signatureLeaf(HYPERVISOR_BASE + 6, VIRIDIAN_SIGNATURE);
        }
        if (leaf == xenBase) {
            return signatureLeaf(xenBase + XEN_LEAVES, XEN_SIGNATURE);
        }
        if (leaf == xenBase + 1) {
            return new int[] {version, 0, 0, 0};
        }
        return new int[4];
    }

    private static int[] signatureLeaf(int maxLeaf, String signature) {
        ByteBuffer b = ByteBuffer.wrap(signature.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {maxLeaf, b.getInt(0), b.getInt(4), b.getInt(8)};
    }

    /**
     * Linux's {@code xen_cpuid_base} / FreeBSD's {@code xen_hvm_cpuid_base}: scans
     * {@code 0x40000000 .. 0x4000ff00} in steps of {@code 0x100} for "XenVMMXenVMM" with at
     * least two leaves ({@code eax - base >= 2}).
     *
     * @return the base leaf, or 0 when not running on Xen
     */
    public static int findXenBase(Cpuid cpuid) {
        for (int base = HYPERVISOR_BASE; base < HYPERVISOR_BASE + 0x1_0000; base += 0x100) {
            int[] r = cpuid.cpuid(base, 0);
            if (signature(r).equals(XEN_SIGNATURE) && r[0] - base >= 2) {
                return base;
            }
        }
        return 0;
    }

    private static String signature(int[] r) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(r[1]).putInt(r[2]).putInt(r[3]);
        return new String(b.array(), StandardCharsets.US_ASCII);
    }
}
