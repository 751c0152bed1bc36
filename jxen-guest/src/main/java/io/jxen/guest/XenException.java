package io.jxen.guest;

import java.io.Serial;

/** A hypercall the guest layer made failed with a Xen errno; the message names the operation. */
public final class XenException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final long errno;

    /**
     * @param operation what was attempted, e.g. {@code "EVTCHNOP_bind_virq(0, vcpu 1)"}
     * @param rc        the negative Xen errno returned
     */
    public XenException(String operation, long rc) {
        super(operation + " failed: " + XenErrors.name(rc));
        this.errno = rc;
    }

    /** The negative Xen errno, e.g. {@code -XenErrno.EINVAL}. */
    public long errno() {
        return errno;
    }
}
