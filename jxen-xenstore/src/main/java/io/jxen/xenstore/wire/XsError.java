package io.jxen.xenstore.wire;

import io.jxen.abi.xs.XsErrors;

/**
 * The errors of io/xs_wire.h's {@code xsd_errors[]}; an XS_ERROR reply carries
 * {@link #name()} plus a NUL.
 */
public enum XsError {
    /** Invalid argument. */
    EINVAL(XsErrors.EINVAL),
    /** Permission denied. */
    EACCES(XsErrors.EACCES),
    /** Already exists. */
    EEXIST(XsErrors.EEXIST),
    /** Is a directory. */
    EISDIR(XsErrors.EISDIR),
    /** No such node, transaction or watch. */
    ENOENT(XsErrors.ENOENT),
    /** Out of memory. */
    ENOMEM(XsErrors.ENOMEM),
    /** Quota exceeded. */
    ENOSPC(XsErrors.ENOSPC),
    /** I/O error. */
    EIO(XsErrors.EIO),
    /** Not empty. */
    ENOTEMPTY(XsErrors.ENOTEMPTY),
    /** Unsupported message type. */
    ENOSYS(XsErrors.ENOSYS),
    /** Read-only. */
    EROFS(XsErrors.EROFS),
    /** Busy. */
    EBUSY(XsErrors.EBUSY),
    /** Transaction conflict. */
    EAGAIN(XsErrors.EAGAIN),
    /** Already connected. */
    EISCONN(XsErrors.EISCONN),
    /** Too big. */
    E2BIG(XsErrors.E2BIG),
    /** Not permitted. */
    EPERM(XsErrors.EPERM);

    private final int errnum;

    XsError(int errnum) {
        this.errnum = errnum;
    }

    /** The Linux errno value. */
    public int errnum() {
        return errnum;
    }

    /** The exception that makes a request fail with this error. */
    public XenstoreException exception() {
        return new XenstoreException(this);
    }

    /**
     * The error named in an XS_ERROR payload; unknown names (oxenstored's EQUOTA) map to
     * EINVAL, as libxenstore does.
     *
     * @param name the payload without its NUL
     * @return the error
     */
    public static XsError ofName(String name) {
        for (XsError e : values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return EINVAL;
    }
}
