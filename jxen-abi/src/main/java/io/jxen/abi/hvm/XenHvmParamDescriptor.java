package io.jxen.abi.hvm;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_hvm_param} of hvm/hvm_op.h: argument of {@code HVMOP_set_param} and {@code HVMOP_get_param}.
 */
public final class XenHvmParamDescriptor {

    /** Offset of {@code domid}: IN: the domain (hvm/hvm_op.h). */
    @XenOffsetof(type = "struct xen_hvm_param", member = "domid")
    public static final int DOMID_OFFSET = 0;

    /** Offset of {@code pad}: padding (hvm/hvm_op.h). */
    @XenOffsetof(type = "struct xen_hvm_param", member = "pad")
    public static final int PAD_OFFSET = 2;

    /** Offset of {@code index}: IN: an {@code HVM_PARAM_*} (hvm/hvm_op.h). */
    @XenOffsetof(type = "struct xen_hvm_param", member = "index")
    public static final int INDEX_OFFSET = 4;

    /** Offset of {@code value}: IN/OUT: the value (hvm/hvm_op.h). */
    @XenOffsetof(type = "struct xen_hvm_param", member = "value")
    public static final int VALUE_OFFSET = 8;

    /** Bytes in {@code struct xen_hvm_param} (hvm/hvm_op.h). */
    @XenSizeof("struct xen_hvm_param")
    public static final int SIZE = 16;

    /**
     * The C alignment of {@code struct xen_hvm_param}: where a view of it may start
     * (hvm/hvm_op.h).
     */
    @XenConstant(value = "_Alignof(struct xen_hvm_param)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private XenHvmParamDescriptor() {
    }
}
