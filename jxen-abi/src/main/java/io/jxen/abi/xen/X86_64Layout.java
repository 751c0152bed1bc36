package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;

/**
 * The x86_64 PV guest address-space layout of arch-x86/xen-x86_64.h: the range Xen reserves
 * at the bottom of the upper canonical half (the machine-to-phys table lives at its start).
 */
public final class X86_64Layout {

    /** {@code __HYPERVISOR_VIRT_START}: first address of Xen's range (arch-x86/xen-x86_64.h). */
    @XenConstant(value = "__HYPERVISOR_VIRT_START", abi = XenAbi.X86_64)
    public static final long HYPERVISOR_VIRT_START = 0xFFFF_8000_0000_0000L;

    /** {@code __HYPERVISOR_VIRT_END}: first address past it (arch-x86/xen-x86_64.h). */
    @XenConstant(value = "__HYPERVISOR_VIRT_END", abi = XenAbi.X86_64)
    public static final long HYPERVISOR_VIRT_END = 0xFFFF_8800_0000_0000L;

    private X86_64Layout() {
    }
}
