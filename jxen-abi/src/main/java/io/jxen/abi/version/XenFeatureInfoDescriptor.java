package io.jxen.abi.version;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_feature_info} of version.h: argument of {@code XENVER_get_features}.
 */
public final class XenFeatureInfoDescriptor {

    /** Offset of {@code submap_idx}: IN: which 32-bit submap (version.h). */
    @XenOffsetof(type = "struct xen_feature_info", member = "submap_idx")
    public static final int SUBMAP_IDX_OFFSET = 0;

    /** Offset of {@code submap}: OUT: the submap (version.h). */
    @XenOffsetof(type = "struct xen_feature_info", member = "submap")
    public static final int SUBMAP_OFFSET = 4;

    /** Bytes in {@code struct xen_feature_info} (version.h). */
    @XenSizeof("struct xen_feature_info")
    public static final int SIZE = 8;

    /**
     * The C alignment of {@code struct xen_feature_info}: where a view of it may start
     * (version.h).
     */
    @XenConstant(value = "_Alignof(struct xen_feature_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    private XenFeatureInfoDescriptor() {
    }
}
