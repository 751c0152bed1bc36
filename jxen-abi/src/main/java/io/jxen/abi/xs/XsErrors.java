package io.jxen.abi.xs;

import io.jxen.abi.XenConstant;

import java.util.List;

/**
 * The {@code xsd_errors[]} table of io/xs_wire.h: errors travel as the errno's name
 * ({@code "EINVAL"} plus a NUL) in an XS_ERROR reply. The numbers are Linux errno values
 * ({@code <errno.h>}); clients map an unknown name to EINVAL.
 */
public final class XsErrors {

    /** Invalid argument. */
    @XenConstant("EINVAL")
    public static final int EINVAL = 22;
    /** Permission denied. */
    @XenConstant("EACCES")
    public static final int EACCES = 13;
    /** Already exists (e.g. a duplicate watch). */
    @XenConstant("EEXIST")
    public static final int EEXIST = 17;
    /** Is a directory. */
    @XenConstant("EISDIR")
    public static final int EISDIR = 21;
    /** No such node, transaction or watch. */
    @XenConstant("ENOENT")
    public static final int ENOENT = 2;
    /** Out of memory. */
    @XenConstant("ENOMEM")
    public static final int ENOMEM = 12;
    /** Quota exceeded. */
    @XenConstant("ENOSPC")
    public static final int ENOSPC = 28;
    /** I/O error. */
    @XenConstant("EIO")
    public static final int EIO = 5;
    /** Not empty. */
    @XenConstant("ENOTEMPTY")
    public static final int ENOTEMPTY = 39;
    /** Unsupported message type. */
    @XenConstant("ENOSYS")
    public static final int ENOSYS = 38;
    /** Read-only. */
    @XenConstant("EROFS")
    public static final int EROFS = 30;
    /** Busy (e.g. a transaction already in progress). */
    @XenConstant("EBUSY")
    public static final int EBUSY = 16;
    /** Transaction conflict: redo the whole transaction. */
    @XenConstant("EAGAIN")
    public static final int EAGAIN = 11;
    /** Already connected. */
    @XenConstant("EISCONN")
    public static final int EISCONN = 106;
    /** Too big (reply over the payload limit, watch quota in 4.17). */
    @XenConstant("E2BIG")
    public static final int E2BIG = 7;
    /** Operation not permitted (e.g. an unprivileged owner change). */
    @XenConstant("EPERM")
    public static final int EPERM = 1;

    /** One row of the table. */
    public record Entry(int errnum, String name) {
    }

    /** The table in xs_wire.h order ("new errors should be added at the end"). */
    public static final List<Entry> TABLE = List.of(
            new Entry(EINVAL, "EINVAL"),
            new Entry(EACCES, "EACCES"),
            new Entry(EEXIST, "EEXIST"),
            new Entry(EISDIR, "EISDIR"),
            new Entry(ENOENT, "ENOENT"),
            new Entry(ENOMEM, "ENOMEM"),
            new Entry(ENOSPC, "ENOSPC"),
            new Entry(EIO, "EIO"),
            new Entry(ENOTEMPTY, "ENOTEMPTY"),
            new Entry(ENOSYS, "ENOSYS"),
            new Entry(EROFS, "EROFS"),
            new Entry(EBUSY, "EBUSY"),
            new Entry(EAGAIN, "EAGAIN"),
            new Entry(EISCONN, "EISCONN"),
            new Entry(E2BIG, "E2BIG"),
            new Entry(EPERM, "EPERM"));

    private XsErrors() {
    }

    /**
     * The errno for a wire name; unknown names map to EINVAL as libxenstore does.
     *
     * @param name e.g. "EAGAIN"
     * @return the errno value
     */
    public static int errnumOf(String name) {
        for (Entry e : TABLE) {
            if (e.name().equals(name)) {
                return e.errnum();
            }
        }
        return EINVAL;
    }

    /**
     * The wire name of an errno in the table.
     *
     * @param errnum an errno value
     * @return its name, or "EINVAL" for an errno outside the table
     */
    public static String nameOf(int errnum) {
        for (Entry e : TABLE) {
            if (e.errnum() == errnum) {
                return e.name();
            }
        }
        return "EINVAL";
    }
}
