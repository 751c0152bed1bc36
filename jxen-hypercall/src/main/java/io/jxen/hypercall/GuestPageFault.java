package io.jxen.hypercall;

import java.io.Serial;

/**
 * A guest touched a guest-physical address its p2m does not map (or wrote a read-only
 * mapping): on hardware, a page fault in the guest. Thrown to guest code only; the hypervisor
 * turns the same condition in a hypercall argument into {@code -EFAULT}.
 */
public final class GuestPageFault extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param gpa   the faulting guest-physical address
     * @param write whether the access was a write
     */
    public GuestPageFault(long gpa, boolean write) {
        super("guest page fault: " + (write ? "write to" : "read of") + " unmapped"
                + (write ? " or read-only" : "") + " guest-physical address 0x" + Long.toHexString(gpa));
    }
}
