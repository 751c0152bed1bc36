package io.jxen.abi.platform;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/** {@code struct xenpf_settime64} of platform.h (x86_64): {@code XENPF_settime64}'s arguments. */
public final class XenpfSettime64Descriptor {

    /** Offset of {@code secs} (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime64", member = "secs")
    public static final int SECS_OFFSET = 0;

    /** Offset of {@code nsecs} (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime64", member = "nsecs")
    public static final int NSECS_OFFSET = 8;

    /** Offset of {@code mbz}: must be zero (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime64", member = "mbz")
    public static final int MBZ_OFFSET = 12;

    /** Offset of {@code system_time} (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime64", member = "system_time")
    public static final int SYSTEM_TIME_OFFSET = 16;

    /** Bytes in {@code struct xenpf_settime64} (platform.h). */
    @XenSizeof("struct xenpf_settime64")
    public static final int SIZE = 24;

    private XenpfSettime64Descriptor() {
    }
}
