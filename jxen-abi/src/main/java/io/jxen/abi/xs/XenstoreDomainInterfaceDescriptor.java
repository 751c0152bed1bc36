package io.jxen.abi.xs;

import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xenstore_domain_interface} of io/xs_wire.h: the page a domain shares with
 * xenstored (docs/misc/xenstore-ring.txt).
 *
 * <pre>
 *  0                 1024               2048    2052    2056    2060    2064      2068       2072   2076
 *  +-----------------+------------------+-------+-------+-------+-------+---------+----------+------+
 *  | req[1024]       | rsp[1024]        |req_   |req_   |rsp_   |rsp_   |server_  |connection|error |
 *  | guest -> daemon | daemon -> guest  |cons   |prod   |cons   |prod   |features |          |      |
 *  +-----------------+------------------+-------+-------+-------+-------+---------+----------+------+
 * </pre>
 *
 * <p>Indices are free-running 32-bit counters; a byte lives at {@code idx & (RING_SIZE-1)}.
 * They are written by the peer: read each once, check {@code prod - cons <= RING_SIZE}
 * (XSA-38), and fail the connection with {@link #ERROR_RINGIDX} otherwise.
 */
public final class XenstoreDomainInterfaceDescriptor {

    /** Bytes in each of the two rings. */
    @XenConstant("XENSTORE_RING_SIZE")
    public static final int RING_SIZE = 1024;

    /** Requests from the guest. */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "req")
    public static final int REQ_OFFSET = 0;

    /** Replies and watch events to the guest. */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "rsp")
    public static final int RSP_OFFSET = 1024;

    /** Request consumer index (daemon writes). */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "req_cons")
    public static final int REQ_CONS_OFFSET = 2048;

    /** Request producer index (guest writes). */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "req_prod")
    public static final int REQ_PROD_OFFSET = 2052;

    /** Response consumer index (guest writes). */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "rsp_cons")
    public static final int RSP_CONS_OFFSET = 2056;

    /** Response producer index (daemon writes). */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "rsp_prod")
    public static final int RSP_PROD_OFFSET = 2060;

    /** Feature bits the server supports. */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "server_features")
    public static final int SERVER_FEATURES_OFFSET = 2064;

    /** {@link #CONNECTED} or {@link #RECONNECT}. */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "connection")
    public static final int CONNECTION_OFFSET = 2068;

    /** Why the server stopped talking to the guest, an {@code ERROR_*} value. */
    @XenOffsetof(type = "struct xenstore_domain_interface", member = "error")
    public static final int ERROR_OFFSET = 2072;

    /** Size of the structure in 4.17. */
    @XenSizeof("struct xenstore_domain_interface")
    public static final int SIZE = 2076;

    /** Feature bit: the ring can be reconnected through {@code connection}. */
    @XenConstant("XENSTORE_SERVER_FEATURE_RECONNECTION")
    public static final int SERVER_FEATURE_RECONNECTION = 1;

    /** Feature bit: the {@code error} field is maintained. */
    @XenConstant("XENSTORE_SERVER_FEATURE_ERROR")
    public static final int SERVER_FEATURE_ERROR = 2;

    /** Steady state. */
    @XenConstant("XENSTORE_CONNECTED")
    public static final int CONNECTED = 0;

    /** The guest asked for a reconnect. */
    @XenConstant("XENSTORE_RECONNECT")
    public static final int RECONNECT = 1;

    /** No error. */
    @XenConstant("XENSTORE_ERROR_NONE")
    public static final int ERROR_NONE = 0;

    /** Communication problem (event channel). */
    @XenConstant("XENSTORE_ERROR_COMM")
    public static final int ERROR_COMM = 1;

    /** Inconsistent producer/consumer indices. */
    @XenConstant("XENSTORE_ERROR_RINGIDX")
    public static final int ERROR_RINGIDX = 2;

    /** Protocol violation (payload too long). */
    @XenConstant("XENSTORE_ERROR_PROTO")
    public static final int ERROR_PROTO = 3;

    private XenstoreDomainInterfaceDescriptor() {
    }

    /**
     * io/xs_wire.h's {@code MASK_XENSTORE_IDX}: the byte offset of a free-running index.
     *
     * @param index a free-running ring index
     * @return {@code index & (RING_SIZE - 1)}
     */
    public static int mask(int index) {
        return index & (RING_SIZE - 1);
    }
}
