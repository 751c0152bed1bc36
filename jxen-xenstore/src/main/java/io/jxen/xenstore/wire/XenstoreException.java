package io.jxen.xenstore.wire;

import java.io.Serial;

/** A request failed with a xenstore error; the reply is XS_ERROR with {@link #error()}'s name. */
public final class XenstoreException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The error carried over the wire (not serialised with the exception). */
    private final transient XsError error;

    /**
     * @param error the wire error
     */
    public XenstoreException(XsError error) {
        super(error.name(), null, false, false);
        this.error = error;
    }

    /**
     * @param error  the wire error
     * @param detail what went wrong, for logs
     */
    public XenstoreException(XsError error, String detail) {
        super(error.name() + ": " + detail, null, false, false);
        this.error = error;
    }

    /** The wire error. */
    public XsError error() {
        return error;
    }
}
