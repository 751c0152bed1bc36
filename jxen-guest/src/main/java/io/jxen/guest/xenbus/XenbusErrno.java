package io.jxen.guest.xenbus;

/**
 * The Linux errno values XenBus writes in {@code error} nodes ({@code "<errno> <message>"},
 * the format Linux's and FreeBSD's {@code xenbus_dev_error} use).
 */
public final class XenbusErrno {

    /** I/O error: a driver hook failed without saying why. */
    public static final int EIO = 5;
    /** No such device: the other end's nodes vanished. */
    public static final int ENODEV = 19;
    /** Invalid argument: garbage from the other end (a state that is no number or no state). */
    public static final int EINVAL = 22;
    /** Connection reset: the other end closed before the connection was made. */
    public static final int ECONNRESET = 104;
    /** Timed out: the other end never arrived, or a hook hung. */
    public static final int ETIMEDOUT = 110;

    private XenbusErrno() {
    }
}
