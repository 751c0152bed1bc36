package io.jxen.abi.hvm;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_hvm_op} used by jxen (hvm/hvm_op.h {@code HVMOP_*}).
 */
public final class HvmOp {

    /**
     * Sets an HVM parameter ({@code struct xen_hvm_param}): {@code HVMOP_set_param}
     * (hvm/hvm_op.h).
     */
    @XenConstant("HVMOP_set_param")
    public static final int SET_PARAM = 0;

    /**
     * Gets an HVM parameter ({@code struct xen_hvm_param}): {@code HVMOP_get_param}
     * (hvm/hvm_op.h).
     */
    @XenConstant("HVMOP_get_param")
    public static final int GET_PARAM = 1;

    private HvmOp() {
    }
}
