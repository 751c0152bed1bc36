package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
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

    /** {@code XENPF_INTERFACE_VERSION} (platform.h). */
    public static final int INTERFACE_VERSION = 0x03000001;
    /** {@code XENPF_settime32}. */
    public static final int SETTIME32 = 17;
    /** {@code XENPF_settime64}. */
    public static final int SETTIME64 = 62;
    /** {@code sizeof(struct xen_platform_op)}: cmd, interface_version, a 128-byte union. */
    public static final int SIZE = 136;
    /** Offset of the union. */
    public static final int U_OFFSET = 8;

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
        MemorySegment op = caller.domain().guest().copyIn(arg, SIZE);
        int cmd = (int) Fields.u32(op, 0);
        if ((int) Fields.u32(op, 4) != INTERFACE_VERSION) {
            return -XenErrno.EACCES;
        }
        if (!caller.domain().privileged()) {
            return -XenErrno.EPERM;
        }
        return switch (cmd) {
            case SETTIME32 -> {
                if (settime == null) {
                    yield -XenErrno.ENOSYS;
                }
                settime.settime(Fields.u32(op, U_OFFSET), (int) Fields.u32(op, U_OFFSET + 4), Fields.u64(op, U_OFFSET + 8));
                yield 0;
            }
            case SETTIME64 -> {
                if (settime == null) {
                    yield -XenErrno.ENOSYS;
                }
                if (Fields.u32(op, U_OFFSET + 12) != 0) {
                    yield -XenErrno.EINVAL;
                }
                settime.settime(Fields.u64(op, U_OFFSET), (int) Fields.u32(op, U_OFFSET + 8), Fields.u64(op, U_OFFSET + 16));
                yield 0;
            }
            default -> -XenErrno.ENOSYS;
        };
    }
}
