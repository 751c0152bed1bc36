package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct multicall_entry} of xen.h (x86_64): one call of a
 * {@code __HYPERVISOR_multicall} batch; Xen writes the call's return value to {@code result}.
 */
public final class MulticallEntryDescriptor {

    /** Offset of {@code op}: the hypercall number (xen.h). */
    @XenOffsetof(type = "struct multicall_entry", member = "op")
    public static final int OP_OFFSET = 0;

    /** Offset of {@code result}: the call's return value, written by Xen (xen.h). */
    @XenOffsetof(type = "struct multicall_entry", member = "result")
    public static final int RESULT_OFFSET = 8;

    /** Offset of {@code args}: up to six arguments, {@code xen_ulong_t} each (xen.h). */
    @XenOffsetof(type = "struct multicall_entry", member = "args")
    public static final int ARGS_OFFSET = 16;

    /** Bytes in {@code struct multicall_entry} (xen.h). */
    @XenSizeof("struct multicall_entry")
    public static final int SIZE = 64;

    /** The C alignment of {@code struct multicall_entry}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct multicall_entry)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    /** Number of {@code args} (xen.h). */
    @XenConstant("sizeof(((struct multicall_entry *)0)->args) / sizeof(xen_ulong_t)")
    public static final int NR_ARGS = 6;

    private MulticallEntryDescriptor() {
    }
}
