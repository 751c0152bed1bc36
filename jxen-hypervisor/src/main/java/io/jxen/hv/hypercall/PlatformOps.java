package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.abi.platform.PlatformOp;
import io.jxen.abi.platform.XenPlatformOpDescriptor;
import io.jxen.abi.platform.XenpfSettime32Descriptor;
import io.jxen.abi.platform.XenpfSettime64Descriptor;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_platform_op} (xen/arch/x86/platform_hypercall.c {@code do_platform_op}),
 * the part jxen has: {@code XENPF_settime32} and {@code XENPF_settime64}. The whole
 * {@code struct xen_platform_op} is copied in ({@code -EFAULT}); a wrong
 * {@code interface_version} is {@code -EACCES}; an unprivileged caller {@code -EPERM} (XSM);
 * settime64 with {@code mbz} set {@code -EINVAL}; any other command {@code -ENOSYS}.
 */
public final class PlatformOps {

    private static final int U = XenPlatformOpDescriptor.U_OFFSET;

    /** What {@code do_settime} does: the wallclock read {@code secs.nsecs} at system time {@code systemTime}. */
    @FunctionalInterface
    public interface Settime {
        /** Sets the host wallclock. */
        void settime(long secs, int nsecs, long systemTime);
    }

    private final Settime settime;

    /** @param settime the host's {@code do_settime}, or null if the host keeps no time ({@code -ENOSYS}) */
    public PlatformOps(Settime settime) {
        this.settime = settime;
    }

    /** Runs {@code platform_op(arg)}. */
    public long hypercall(Vcpu caller, long arg) {
        MemorySegment op = caller.domain().guest().copyIn(arg, XenPlatformOpDescriptor.SIZE);
        int cmd = (int) Fields.u32(op, XenPlatformOpDescriptor.CMD_OFFSET);
        if ((int) Fields.u32(op, XenPlatformOpDescriptor.INTERFACE_VERSION_OFFSET) != PlatformOp.INTERFACE_VERSION) {
            return -XenErrno.EACCES;
        }
        if (!caller.domain().privileged()) {
            return -XenErrno.EPERM;
        }
        return switch (cmd) {
            case PlatformOp.SETTIME32 -> {
                if (settime == null) {
                    yield -XenErrno.ENOSYS;
                }
                settime.settime(Fields.u32(op, U + XenpfSettime32Descriptor.SECS_OFFSET),
                        (int) Fields.u32(op, U + XenpfSettime32Descriptor.NSECS_OFFSET),
                        Fields.u64(op, U + XenpfSettime32Descriptor.SYSTEM_TIME_OFFSET));
                yield 0;
            }
            case PlatformOp.SETTIME64 -> {
                if (settime == null) {
                    yield -XenErrno.ENOSYS;
                }
                if (Fields.u32(op, U + XenpfSettime64Descriptor.MBZ_OFFSET) != 0) {
                    yield -XenErrno.EINVAL;
                }
                settime.settime(Fields.u64(op, U + XenpfSettime64Descriptor.SECS_OFFSET),
                        (int) Fields.u32(op, U + XenpfSettime64Descriptor.NSECS_OFFSET),
                        Fields.u64(op, U + XenpfSettime64Descriptor.SYSTEM_TIME_OFFSET));
                yield 0;
            }
            default -> -XenErrno.ENOSYS;
        };
    }
}
