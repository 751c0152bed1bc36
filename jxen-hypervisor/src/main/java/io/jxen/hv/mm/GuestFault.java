package io.jxen.hv.mm;

import java.io.Serial;

/**
 * A hypercall argument pointed at guest memory that the domain's p2m does not map (or
 * maps read-only for a write): Xen's {@code copy_from_guest}/{@code copy_to_guest} returning
 * non-zero. The hypercall dispatcher turns it into {@code -EFAULT}; handlers that must record a
 * per-entry status catch it themselves.
 */
public final class GuestFault extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** @param gpa the guest-physical address that could not be accessed */
    public GuestFault(long gpa) {
        super("bad guest address 0x" + Long.toHexString(gpa), null, false, false);
    }
}
