package io.jxen.xenstore.wire;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.xs.XsSockmsgDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One xenstore message: the {@code struct xsd_sockmsg} header fields and the payload.
 * The payload array is owned by the message: the decoder hands over a fresh copy, and
 * nothing writes to it afterwards.
 *
 * @param type          an {@link XsMessageTypes} value
 * @param requestId     echoed from request to reply
 * @param transactionId 0 outside a transaction
 * @param payload       at most {@link XsSockmsgDescriptor#PAYLOAD_MAX} bytes
 */
public record XsMessage(int type, int requestId, int transactionId, byte[] payload) {

    private static final byte[] OK = {'O', 'K', 0};

    /** Checks the payload bound. */
    public XsMessage {
        if (payload.length > XsSockmsgDescriptor.PAYLOAD_MAX) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds XENSTORE_PAYLOAD_MAX");
        }
    }

    /**
     * A request or reply whose payload is the given strings, each followed by a NUL.
     *
     * @param type          message type
     * @param requestId     request id
     * @param transactionId transaction id
     * @param strings       the strings (ISO-8859-1, i.e. byte for byte)
     * @return the message
     */
    public static XsMessage ofStrings(int type, int requestId, int transactionId, String... strings) {
        return new XsMessage(type, requestId, transactionId, XsPayload.joinStrings(strings));
    }

    /** The reply {@code OK\0} to this request. */
    public XsMessage ack() {
        return new XsMessage(type, requestId, transactionId, OK.clone());
    }

    /**
     * A reply of this request's type with the given payload.
     *
     * @param replyPayload reply payload
     * @return the reply
     */
    public XsMessage reply(byte[] replyPayload) {
        return new XsMessage(type, requestId, transactionId, replyPayload);
    }

    /**
     * The XS_ERROR reply to this request: only req_id and tx_id are copied.
     *
     * @param error the error
     * @return the reply
     */
    public XsMessage error(XsError error) {
        return new XsMessage(XsMessageTypes.ERROR, requestId, transactionId,
                (error.name() + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    /** Header plus payload, little-endian, ready to send. */
    public byte[] encode() {
        byte[] out = new byte[XsSockmsgDescriptor.SIZE + payload.length];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(XsSockmsgDescriptor.TYPE_OFFSET, type);
        b.putInt(XsSockmsgDescriptor.REQ_ID_OFFSET, requestId);
        b.putInt(XsSockmsgDescriptor.TX_ID_OFFSET, transactionId);
        b.putInt(XsSockmsgDescriptor.LEN_OFFSET, payload.length);
        System.arraycopy(payload, 0, out, XsSockmsgDescriptor.SIZE, payload.length);
        return out;
    }

    /**
     * Puts header plus payload, little-endian, into {@code dst} at its position (the socket
     * loop's direct buffer: no intermediate array, and no copy by the JDK on write).
     *
     * @param dst a buffer with at least {@link #wireSize()} bytes remaining; its position advances
     */
    public void encodeInto(ByteBuffer dst) {
        ByteOrder order = dst.order();
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int at = dst.position();
        dst.putInt(at + XsSockmsgDescriptor.TYPE_OFFSET, type);
        dst.putInt(at + XsSockmsgDescriptor.REQ_ID_OFFSET, requestId);
        dst.putInt(at + XsSockmsgDescriptor.TX_ID_OFFSET, transactionId);
        dst.putInt(at + XsSockmsgDescriptor.LEN_OFFSET, payload.length);
        dst.position(at + XsSockmsgDescriptor.SIZE).put(payload);
        dst.order(order);
    }

    /** Bytes this message occupies on the wire. */
    public int wireSize() {
        return XsSockmsgDescriptor.SIZE + payload.length;
    }

    /** The payload as text, for logs and tests: NULs shown as {@code \0}. */
    public String payloadText() {
        return new String(payload, StandardCharsets.ISO_8859_1).replace("\0", "\\0");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XsMessage m && m.type == type && m.requestId == requestId
                && m.transactionId == transactionId && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return ((type * 31 + requestId) * 31 + transactionId) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return XsMessageTypes.name(type) + "(req=" + Integer.toUnsignedString(requestId)
                + " tx=" + Integer.toUnsignedString(transactionId) + " \"" + payloadText() + "\")";
    }
}
