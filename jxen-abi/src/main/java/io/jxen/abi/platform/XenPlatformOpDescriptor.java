package io.jxen.abi.platform;

import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_platform_op} of platform.h (x86_64): the argument of
 * {@code __HYPERVISOR_platform_op}, a command, the interface version and a 128-byte union.
 */
public final class XenPlatformOpDescriptor {

    /** Offset of {@code cmd} (platform.h). */
    @XenOffsetof(type = "struct xen_platform_op", member = "cmd")
    public static final int CMD_OFFSET = 0;

    /** Offset of {@code interface_version} (platform.h). */
    @XenOffsetof(type = "struct xen_platform_op", member = "interface_version")
    public static final int INTERFACE_VERSION_OFFSET = 4;

    /** Offset of the union {@code u} holding the command's arguments (platform.h). */
    @XenOffsetof(type = "struct xen_platform_op", member = "u")
    public static final int U_OFFSET = 8;

    /** Bytes in {@code struct xen_platform_op} (platform.h). */
    @XenSizeof("struct xen_platform_op")
    public static final int SIZE = 136;

    private XenPlatformOpDescriptor() {
    }
}
