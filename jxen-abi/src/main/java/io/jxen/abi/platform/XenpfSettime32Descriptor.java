package io.jxen.abi.platform;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/** {@code struct xenpf_settime32} of platform.h (x86_64): {@code XENPF_settime32}'s arguments. */
public final class XenpfSettime32Descriptor {

    /** Offset of {@code secs} (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime32", member = "secs")
    public static final int SECS_OFFSET = 0;

    /** Offset of {@code nsecs} (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime32", member = "nsecs")
    public static final int NSECS_OFFSET = 4;

    /** Offset of {@code system_time}: the system time the wallclock value belongs to (platform.h). */
    @XenOffsetof(type = "struct xenpf_settime32", member = "system_time")
    public static final int SYSTEM_TIME_OFFSET = 8;

    /** Bytes in {@code struct xenpf_settime32} (platform.h). */
    @XenSizeof("struct xenpf_settime32")
    public static final int SIZE = 16;

    private XenpfSettime32Descriptor() {
    }
}
