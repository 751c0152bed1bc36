package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Flags of {@code update_va_mapping} (xen.h {@code UVMF_*}): a flush type in bits 0-1 and a
 * scope in bit 2; for {@code UVMF_MULTI} the remaining bits are a pointer to a vCPU mask.
 */
public final class Uvmf {

    /** No flush: {@code UVMF_NONE} (xen.h). */
    @XenConstant("UVMF_NONE")
    public static final int NONE = 0;

    /** Flush the entire TLB(s): {@code UVMF_TLB_FLUSH} (xen.h). */
    @XenConstant("UVMF_TLB_FLUSH")
    public static final int TLB_FLUSH = 1;

    /** Flush only the one entry: {@code UVMF_INVLPG} (xen.h). */
    @XenConstant("UVMF_INVLPG")
    public static final int INVLPG = 2;

    /** Mask of the flush type: {@code UVMF_FLUSHTYPE_MASK} (xen.h). */
    @XenConstant("UVMF_FLUSHTYPE_MASK")
    public static final int FLUSHTYPE_MASK = 3;

    /** Flush the TLBs of the vCPUs in a mask: {@code UVMF_MULTI} (xen.h). */
    @XenConstant("UVMF_MULTI")
    public static final int MULTI = 0;

    /** Flush the local TLB: {@code UVMF_LOCAL} (xen.h). */
    @XenConstant("UVMF_LOCAL")
    public static final int LOCAL = 0;

    /** Flush all TLBs: {@code UVMF_ALL} (xen.h). */
    @XenConstant("UVMF_ALL")
    public static final int ALL = 4;

    private Uvmf() {
    }
}
