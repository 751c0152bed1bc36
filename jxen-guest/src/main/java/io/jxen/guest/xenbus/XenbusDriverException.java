package io.jxen.guest.xenbus;

import java.io.Serial;

/**
 * A driver hook failure with the errno to publish in the device's {@code error} node (any
 * other exception publishes {@link XenbusErrno#EIO}).
 */
public final class XenbusDriverException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   a positive errno, e.g. {@link XenbusErrno#EINVAL}
     * @param message what went wrong, written after the errno
     */
    public XenbusDriverException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }
}
