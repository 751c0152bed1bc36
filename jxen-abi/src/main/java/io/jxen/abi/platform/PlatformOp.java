package io.jxen.abi.platform;

import io.jxen.abi.XenConstant;

/** {@code XENPF_*} of platform.h: the interface version and the commands jxen answers. */
public final class PlatformOp {

    /** {@code XENPF_INTERFACE_VERSION}: what {@code interface_version} must say (platform.h). */
    @XenConstant("XENPF_INTERFACE_VERSION")
    public static final int INTERFACE_VERSION = 0x03000001;

    /** {@code XENPF_settime32}: set the wallclock, 32-bit seconds (platform.h). */
    @XenConstant("XENPF_settime32")
    public static final int SETTIME32 = 17;

    /** {@code XENPF_settime64}: set the wallclock, 64-bit seconds (platform.h). */
    @XenConstant("XENPF_settime64")
    public static final int SETTIME64 = 62;

    private PlatformOp() {
    }
}
