package io.jxen.hypercall;

/**
 * The hypercall instruction of one vCPU of one domain: Xen's numbered entry points
 * ({@link io.jxen.abi.Hypercall}) with up to five register arguments, returning a value
 * {@code >= 0} or a negative Xen errno ({@link io.jxen.abi.XenErrno}).
 *
 * <p>Pointer arguments are guest-physical addresses of structures the guest wrote in its own
 * memory with Xen's byte layout; the hypervisor copies them in, validates the copy, and copies
 * results out, exactly as Xen's {@code copy_from_guest}/{@code copy_to_guest} do. The caller's
 * identity comes from the binding of this object (domain, vCPU), never from the arguments,
 * so the same guest code runs whether the hypervisor is in this JVM or behind a socket.
 *
 * <p>An implementation never throws for anything a guest can pass: a bad argument is an
 * errno, as on Xen.
 */
@FunctionalInterface
public interface Hypercalls {

    /**
     * Issues hypercall {@code number}.
     *
     * @param number a {@code __HYPERVISOR_*} number; unknown ones give {@code -ENOSYS}
     * @return the hypercall's result, negative for a Xen errno
     */
    long hypercall(int number, long a1, long a2, long a3, long a4, long a5);

    /** A hypercall with no argument. */
    default long hypercall(int number) {
        return hypercall(number, 0, 0, 0, 0, 0);
    }

    /** A hypercall with one argument. */
    default long hypercall(int number, long a1) {
        return hypercall(number, a1, 0, 0, 0, 0);
    }

    /** A hypercall with two arguments, the usual {@code (cmd, struct *arg)} shape. */
    default long hypercall(int number, long a1, long a2) {
        return hypercall(number, a1, a2, 0, 0, 0);
    }

    /** A hypercall with three arguments, e.g. {@code grant_table_op(cmd, uop, count)}. */
    default long hypercall(int number, long a1, long a2, long a3) {
        return hypercall(number, a1, a2, a3, 0, 0);
    }

    /** A hypercall with four arguments, e.g. {@code mmu_update(reqs, count, pdone, foreigndom)}. */
    default long hypercall(int number, long a1, long a2, long a3, long a4) {
        return hypercall(number, a1, a2, a3, a4, 0);
    }
}
