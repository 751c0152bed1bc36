package io.jxen.abi.xs;

import io.jxen.abi.XenConstant;

/**
 * {@code enum xsd_sockmsg_type} of io/xs_wire.h (4.17): the {@code type} field of every
 * xenstore message. Type 20 (the removed XS_RESTRICT) is invalid; XS_GET_FEATURE and later
 * types do not exist in 4.17.
 */
public final class XsMessageTypes {

    /** Privileged debug/control command ({@code XS_DEBUG} is an alias). */
    @XenConstant("XS_CONTROL")
    public static final int CONTROL = 0;

    /** List a node's children. */
    @XenConstant("XS_DIRECTORY")
    public static final int DIRECTORY = 1;

    /** Read a node's value. */
    @XenConstant("XS_READ")
    public static final int READ = 2;

    /** Read a node's permissions. */
    @XenConstant("XS_GET_PERMS")
    public static final int GET_PERMS = 3;

    /** Register a watch. */
    @XenConstant("XS_WATCH")
    public static final int WATCH = 4;

    /** Remove a watch. */
    @XenConstant("XS_UNWATCH")
    public static final int UNWATCH = 5;

    /** Start a transaction. */
    @XenConstant("XS_TRANSACTION_START")
    public static final int TRANSACTION_START = 6;

    /** Commit ({@code T}) or abort ({@code F}) a transaction. */
    @XenConstant("XS_TRANSACTION_END")
    public static final int TRANSACTION_END = 7;

    /** Connect a domain's ring (privileged). */
    @XenConstant("XS_INTRODUCE")
    public static final int INTRODUCE = 8;

    /** Disconnect a domain (privileged). */
    @XenConstant("XS_RELEASE")
    public static final int RELEASE = 9;

    /** {@code /local/domain/<domid>}. */
    @XenConstant("XS_GET_DOMAIN_PATH")
    public static final int GET_DOMAIN_PATH = 10;

    /** Write a node's value, creating it and missing parents. */
    @XenConstant("XS_WRITE")
    public static final int WRITE = 11;

    /** Create a node if it does not exist. */
    @XenConstant("XS_MKDIR")
    public static final int MKDIR = 12;

    /** Remove a node and its subtree. */
    @XenConstant("XS_RM")
    public static final int RM = 13;

    /** Replace a node's permissions. */
    @XenConstant("XS_SET_PERMS")
    public static final int SET_PERMS = 14;

    /** Server to client only: a watch fired. */
    @XenConstant("XS_WATCH_EVENT")
    public static final int WATCH_EVENT = 15;

    /** Server to client only: the request failed; the payload is the errno name. */
    @XenConstant("XS_ERROR")
    public static final int ERROR = 16;

    /** {@code T} or {@code F} (privileged since XSA-115). */
    @XenConstant("XS_IS_DOMAIN_INTRODUCED")
    public static final int IS_DOMAIN_INTRODUCED = 17;

    /** Re-arm {@code @releaseDomain} after a suspend (privileged). */
    @XenConstant("XS_RESUME")
    public static final int RESUME = 18;

    /** Let a domain act for another one (privileged). */
    @XenConstant("XS_SET_TARGET")
    public static final int SET_TARGET = 19;

    /** Drop all watches and transactions of the connection. */
    @XenConstant("XS_RESET_WATCHES")
    public static final int RESET_WATCHES = 21;

    /** A slice of a directory listing with the node's generation count. */
    @XenConstant("XS_DIRECTORY_PART")
    public static final int DIRECTORY_PART = 22;

    /** Number of type values in 4.17 (one more than the largest). */
    @XenConstant("XS_TYPE_COUNT")
    public static final int TYPE_COUNT = 23;

    /** Guaranteed never to be a valid type. */
    @XenConstant("XS_INVALID")
    public static final int INVALID = 0xffff;

    /** Index of the path in a WATCH_EVENT payload ({@code enum xs_watch_type}). */
    @XenConstant("XS_WATCH_PATH")
    public static final int WATCH_PATH = 0;

    /** Index of the token in a WATCH_EVENT payload ({@code enum xs_watch_type}). */
    @XenConstant("XS_WATCH_TOKEN")
    public static final int WATCH_TOKEN = 1;

    private XsMessageTypes() {
    }

    /**
     * The xs_wire.h name of a type, for logs ("XS_READ"), or "XS_UNKNOWN(n)".
     *
     * @param type the header's type field
     * @return a name that never is null
     */
    public static String name(int type) {
        return switch (type) {
            case CONTROL -> "XS_CONTROL";
            case DIRECTORY -> "XS_DIRECTORY";
            case READ -> "XS_READ";
            case GET_PERMS -> "XS_GET_PERMS";
            case WATCH -> "XS_WATCH";
            case UNWATCH -> "XS_UNWATCH";
            case TRANSACTION_START -> "XS_TRANSACTION_START";
            case TRANSACTION_END -> "XS_TRANSACTION_END";
            case INTRODUCE -> "XS_INTRODUCE";
            case RELEASE -> "XS_RELEASE";
            case GET_DOMAIN_PATH -> "XS_GET_DOMAIN_PATH";
            case WRITE -> "XS_WRITE";
            case MKDIR -> "XS_MKDIR";
            case RM -> "XS_RM";
            case SET_PERMS -> "XS_SET_PERMS";
            case WATCH_EVENT -> "XS_WATCH_EVENT";
            case ERROR -> "XS_ERROR";
            case IS_DOMAIN_INTRODUCED -> "XS_IS_DOMAIN_INTRODUCED";
            case RESUME -> "XS_RESUME";
            case SET_TARGET -> "XS_SET_TARGET";
            case RESET_WATCHES -> "XS_RESET_WATCHES";
            case DIRECTORY_PART -> "XS_DIRECTORY_PART";
            default -> "XS_UNKNOWN(" + Integer.toUnsignedString(type) + ")";
        };
    }
}
