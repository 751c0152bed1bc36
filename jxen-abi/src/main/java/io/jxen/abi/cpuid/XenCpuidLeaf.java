package io.jxen.abi.cpuid;

import io.jxen.abi.XenConstant;

/** Xen's CPUID leaves and the bits in them (arch-x86/cpuid.h). */
public final class XenCpuidLeaf {

    /** The first Xen leaf (without Viridian in front): {@code XEN_CPUID_FIRST_LEAF} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_FIRST_LEAF")
    public static final int FIRST_LEAF = 0x4000_0000;

    /** "XenV" in {@code ebx} of the first leaf: {@code XEN_CPUID_SIGNATURE_EBX} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_SIGNATURE_EBX")
    public static final int SIGNATURE_EBX = 0x566e_6558;

    /** "MMXe" in {@code ecx}: {@code XEN_CPUID_SIGNATURE_ECX} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_SIGNATURE_ECX")
    public static final int SIGNATURE_ECX = 0x6558_4d4d;

    /** "nVMM" in {@code edx}: {@code XEN_CPUID_SIGNATURE_EDX} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_SIGNATURE_EDX")
    public static final int SIGNATURE_EDX = 0x4d4d_566e;

    /** Leaves past the first ({@code eax} of the first leaf is base + this): {@code XEN_CPUID_MAX_NUM_LEAVES} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_MAX_NUM_LEAVES")
    public static final int MAX_NUM_LEAVES = 5;

    /** Leaf 3, ecx: MMU_PT_UPDATE_PRESERVE_AD works: {@code XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD} (arch-x86/cpuid.h). */
    @XenConstant("XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD")
    public static final int FEAT1_MMU_PT_UPDATE_PRESERVE_AD = 1;

    /** Leaf 5, eax: the vCPU id is in ebx: {@code XEN_HVM_CPUID_VCPU_ID_PRESENT} (arch-x86/cpuid.h). */
    @XenConstant("XEN_HVM_CPUID_VCPU_ID_PRESENT")
    public static final int HVM_VCPU_ID_PRESENT = 1 << 3;

    /** Leaf 5, eax: the domain id is in ecx: {@code XEN_HVM_CPUID_DOMID_PRESENT} (arch-x86/cpuid.h). */
    @XenConstant("XEN_HVM_CPUID_DOMID_PRESENT")
    public static final int HVM_DOMID_PRESENT = 1 << 4;

    private XenCpuidLeaf() {
    }
}
