package io.jxen.abi.xs;

import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xsd_sockmsg} of io/xs_wire.h: the 16-byte header in front of every xenstore
 * message, in the host's byte order (little-endian on x86).
 *
 * <pre>
 *  0        4        8        12       16
 *  +--------+--------+--------+--------+------------------------
 *  |  type  | req_id | tx_id  |  len   | payload (len bytes) ...
 *  +--------+--------+--------+--------+------------------------
 * </pre>
 *
 * <p>{@code len} above {@link #PAYLOAD_MAX} in either direction kills the connection
 * (docs/misc/xenstore.txt).
 */
public final class XsSockmsgDescriptor {

    /** Message type, an {@link XsMessageTypes} value. */
    @XenOffsetof(type = "struct xsd_sockmsg", member = "type")
    public static final int TYPE_OFFSET = 0;

    /** Request id, echoed in the reply. */
    @XenOffsetof(type = "struct xsd_sockmsg", member = "req_id")
    public static final int REQ_ID_OFFSET = 4;

    /** Transaction id, 0 outside a transaction. */
    @XenOffsetof(type = "struct xsd_sockmsg", member = "tx_id")
    public static final int TX_ID_OFFSET = 8;

    /** Bytes of payload after the header. */
    @XenOffsetof(type = "struct xsd_sockmsg", member = "len")
    public static final int LEN_OFFSET = 12;

    /** Size of the header. */
    @XenSizeof("struct xsd_sockmsg")
    public static final int SIZE = 16;

    /** Largest payload a message may carry; more is fatal for the connection. */
    @XenConstant("XENSTORE_PAYLOAD_MAX")
    public static final int PAYLOAD_MAX = 4096;

    /** Longest absolute path ("violating these just gets you an error back"). */
    @XenConstant("XENSTORE_ABS_PATH_MAX")
    public static final int ABS_PATH_MAX = 3072;

    /** Longest relative path. */
    @XenConstant("XENSTORE_REL_PATH_MAX")
    public static final int REL_PATH_MAX = 2048;

    private XsSockmsgDescriptor() {
    }
}
