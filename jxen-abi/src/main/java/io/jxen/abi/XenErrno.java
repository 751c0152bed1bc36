package io.jxen.abi;

/**
 * Xen's error numbers (xen/errno.h): a hypercall fails by returning the negated value.
 *
 * <p>xen/errno.h lists each value once through its {@code XEN_ERRNO(name, value)} macro;
 * included without a macro of the caller's, it becomes {@code enum xen_errno} with
 * constants named {@code XEN_name}, which is what the ABI oracle checks. The values are
 * x86 Linux's, so they also equal the errno a Linux dom0 tool sees.
 */
public final class XenErrno {

    /** Operation not permitted: {@code XEN_EPERM} (xen/errno.h). */
    @XenConstant("XEN_EPERM")
    public static final int EPERM = 1;

    /** No such file or directory: {@code XEN_ENOENT} (xen/errno.h). */
    @XenConstant("XEN_ENOENT")
    public static final int ENOENT = 2;

    /** No such process: {@code XEN_ESRCH} (xen/errno.h). */
    @XenConstant("XEN_ESRCH")
    public static final int ESRCH = 3;

    /**
     * Interrupted system call. Xen-internal ({@code #ifdef __XEN__}): never returned to a guest;
     * the probe reads it through the header's {@code XEN_ERRNO()} hook (xen/errno.h).
     */
    @XenConstant("JXEN_XEN_INTERNAL_EINTR")
    public static final int EINTR = 4;

    /** I/O error: {@code XEN_EIO} (xen/errno.h). */
    @XenConstant("XEN_EIO")
    public static final int EIO = 5;

    /** No such device or address: {@code XEN_ENXIO} (xen/errno.h). */
    @XenConstant("XEN_ENXIO")
    public static final int ENXIO = 6;

    /** Arg list too long: {@code XEN_E2BIG} (xen/errno.h). */
    @XenConstant("XEN_E2BIG")
    public static final int E2BIG = 7;

    /** Exec format error: {@code XEN_ENOEXEC} (xen/errno.h). */
    @XenConstant("XEN_ENOEXEC")
    public static final int ENOEXEC = 8;

    /** Bad file number: {@code XEN_EBADF} (xen/errno.h). */
    @XenConstant("XEN_EBADF")
    public static final int EBADF = 9;

    /** No child processes: {@code XEN_ECHILD} (xen/errno.h). */
    @XenConstant("XEN_ECHILD")
    public static final int ECHILD = 10;

    /** Try again: {@code XEN_EAGAIN} (xen/errno.h). */
    @XenConstant("XEN_EAGAIN")
    public static final int EAGAIN = 11;

    /** Operation would block.  Aliases EAGAIN: {@code XEN_EWOULDBLOCK} (xen/errno.h). */
    @XenConstant("XEN_EWOULDBLOCK")
    public static final int EWOULDBLOCK = 11;

    /** Out of memory: {@code XEN_ENOMEM} (xen/errno.h). */
    @XenConstant("XEN_ENOMEM")
    public static final int ENOMEM = 12;

    /** Permission denied: {@code XEN_EACCES} (xen/errno.h). */
    @XenConstant("XEN_EACCES")
    public static final int EACCES = 13;

    /** Bad address: {@code XEN_EFAULT} (xen/errno.h). */
    @XenConstant("XEN_EFAULT")
    public static final int EFAULT = 14;

    /** Device or resource busy: {@code XEN_EBUSY} (xen/errno.h). */
    @XenConstant("XEN_EBUSY")
    public static final int EBUSY = 16;

    /** File exists: {@code XEN_EEXIST} (xen/errno.h). */
    @XenConstant("XEN_EEXIST")
    public static final int EEXIST = 17;

    /** Cross-device link: {@code XEN_EXDEV} (xen/errno.h). */
    @XenConstant("XEN_EXDEV")
    public static final int EXDEV = 18;

    /** No such device: {@code XEN_ENODEV} (xen/errno.h). */
    @XenConstant("XEN_ENODEV")
    public static final int ENODEV = 19;

    /** Not a directory: {@code XEN_ENOTDIR} (xen/errno.h). */
    @XenConstant("XEN_ENOTDIR")
    public static final int ENOTDIR = 20;

    /** Is a directory: {@code XEN_EISDIR} (xen/errno.h). */
    @XenConstant("XEN_EISDIR")
    public static final int EISDIR = 21;

    /** Invalid argument: {@code XEN_EINVAL} (xen/errno.h). */
    @XenConstant("XEN_EINVAL")
    public static final int EINVAL = 22;

    /** File table overflow: {@code XEN_ENFILE} (xen/errno.h). */
    @XenConstant("XEN_ENFILE")
    public static final int ENFILE = 23;

    /** Too many open files: {@code XEN_EMFILE} (xen/errno.h). */
    @XenConstant("XEN_EMFILE")
    public static final int EMFILE = 24;

    /** No space left on device: {@code XEN_ENOSPC} (xen/errno.h). */
    @XenConstant("XEN_ENOSPC")
    public static final int ENOSPC = 28;

    /** Read-only file system: {@code XEN_EROFS} (xen/errno.h). */
    @XenConstant("XEN_EROFS")
    public static final int EROFS = 30;

    /** Too many links: {@code XEN_EMLINK} (xen/errno.h). */
    @XenConstant("XEN_EMLINK")
    public static final int EMLINK = 31;

    /** Math argument out of domain of func: {@code XEN_EDOM} (xen/errno.h). */
    @XenConstant("XEN_EDOM")
    public static final int EDOM = 33;

    /** Math result not representable: {@code XEN_ERANGE} (xen/errno.h). */
    @XenConstant("XEN_ERANGE")
    public static final int ERANGE = 34;

    /** Resource deadlock would occur: {@code XEN_EDEADLK} (xen/errno.h). */
    @XenConstant("XEN_EDEADLK")
    public static final int EDEADLK = 35;

    /** Resource deadlock would occur. Aliases EDEADLK: {@code XEN_EDEADLOCK} (xen/errno.h). */
    @XenConstant("XEN_EDEADLOCK")
    public static final int EDEADLOCK = 35;

    /** File name too long: {@code XEN_ENAMETOOLONG} (xen/errno.h). */
    @XenConstant("XEN_ENAMETOOLONG")
    public static final int ENAMETOOLONG = 36;

    /** No record locks available: {@code XEN_ENOLCK} (xen/errno.h). */
    @XenConstant("XEN_ENOLCK")
    public static final int ENOLCK = 37;

    /** Function not implemented: {@code XEN_ENOSYS} (xen/errno.h). */
    @XenConstant("XEN_ENOSYS")
    public static final int ENOSYS = 38;

    /** Directory not empty: {@code XEN_ENOTEMPTY} (xen/errno.h). */
    @XenConstant("XEN_ENOTEMPTY")
    public static final int ENOTEMPTY = 39;

    /** No data available: {@code XEN_ENODATA} (xen/errno.h). */
    @XenConstant("XEN_ENODATA")
    public static final int ENODATA = 61;

    /** Timer expired: {@code XEN_ETIME} (xen/errno.h). */
    @XenConstant("XEN_ETIME")
    public static final int ETIME = 62;

    /** Not a data message: {@code XEN_EBADMSG} (xen/errno.h). */
    @XenConstant("XEN_EBADMSG")
    public static final int EBADMSG = 74;

    /** Value too large for defined data type: {@code XEN_EOVERFLOW} (xen/errno.h). */
    @XenConstant("XEN_EOVERFLOW")
    public static final int EOVERFLOW = 75;

    /** Illegal byte sequence: {@code XEN_EILSEQ} (xen/errno.h). */
    @XenConstant("XEN_EILSEQ")
    public static final int EILSEQ = 84;

    /**
     * Interrupted system call should be restarted. Xen-internal ({@code #ifdef __XEN__}): never
     * returned to a guest; the probe reads it through the header's {@code XEN_ERRNO()} hook
     * (xen/errno.h).
     */
    @XenConstant("JXEN_XEN_INTERNAL_ERESTART")
    public static final int ERESTART = 85;

    /** Socket operation on non-socket: {@code XEN_ENOTSOCK} (xen/errno.h). */
    @XenConstant("XEN_ENOTSOCK")
    public static final int ENOTSOCK = 88;

    /** Message too large: {@code XEN_EMSGSIZE} (xen/errno.h). */
    @XenConstant("XEN_EMSGSIZE")
    public static final int EMSGSIZE = 90;

    /** Operation not supported on transport endpoint: {@code XEN_EOPNOTSUPP} (xen/errno.h). */
    @XenConstant("XEN_EOPNOTSUPP")
    public static final int EOPNOTSUPP = 95;

    /** Address already in use: {@code XEN_EADDRINUSE} (xen/errno.h). */
    @XenConstant("XEN_EADDRINUSE")
    public static final int EADDRINUSE = 98;

    /** Cannot assign requested address: {@code XEN_EADDRNOTAVAIL} (xen/errno.h). */
    @XenConstant("XEN_EADDRNOTAVAIL")
    public static final int EADDRNOTAVAIL = 99;

    /** No buffer space available: {@code XEN_ENOBUFS} (xen/errno.h). */
    @XenConstant("XEN_ENOBUFS")
    public static final int ENOBUFS = 105;

    /** Transport endpoint is already connected: {@code XEN_EISCONN} (xen/errno.h). */
    @XenConstant("XEN_EISCONN")
    public static final int EISCONN = 106;

    /** Transport endpoint is not connected: {@code XEN_ENOTCONN} (xen/errno.h). */
    @XenConstant("XEN_ENOTCONN")
    public static final int ENOTCONN = 107;

    /** Connection timed out: {@code XEN_ETIMEDOUT} (xen/errno.h). */
    @XenConstant("XEN_ETIMEDOUT")
    public static final int ETIMEDOUT = 110;

    /** Connection refused: {@code XEN_ECONNREFUSED} (xen/errno.h). */
    @XenConstant("XEN_ECONNREFUSED")
    public static final int ECONNREFUSED = 111;

    private XenErrno() {
    }
}
