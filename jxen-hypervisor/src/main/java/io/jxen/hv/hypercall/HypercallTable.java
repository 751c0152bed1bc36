package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.GuestFault;

/**
 * The hypercall table, indexed by Xen's {@code __HYPERVISOR_*} numbers
 * ({@link io.jxen.abi.Hypercall}); an empty slot or a number outside the table answers
 * {@code -ENOSYS}, as Xen's {@code pv_hypercall} does.
 */
public final class HypercallTable {

    /** Slots: Xen's {@code NR_hypercalls} is 64. */
    public static final int SIZE = 64;

    private final HypercallHandler[] handlers = new HypercallHandler[SIZE];

    /** Installs {@code handler} at {@code number}. */
    public void register(int number, HypercallHandler handler) {
        handlers[number] = handler;
    }

    /**
     * Runs hypercall {@code number} for {@code caller}; a {@link GuestFault} becomes
     * {@code -EFAULT}.
     */
    public long dispatch(Vcpu caller, long number, long a1, long a2, long a3, long a4, long a5) {
        if (number < 0 || number >= SIZE || handlers[(int) number] == null) {
            return -XenErrno.ENOSYS;
        }
        try {
            return handlers[(int) number].call(caller, a1, a2, a3, a4, a5);
        } catch (GuestFault fault) {
            return -XenErrno.EFAULT;
        }
    }
}
