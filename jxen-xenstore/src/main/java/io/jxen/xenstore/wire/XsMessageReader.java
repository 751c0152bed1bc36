package io.jxen.xenstore.wire;

import io.jxen.abi.xs.XsSockmsgDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Incremental decoder of a xenstore byte stream (socket or ring): bytes arrive in any split
 * (pyxs sends header and payload in two writes), and a message comes out once complete.
 * The length field is checked against XENSTORE_PAYLOAD_MAX as soon as the header is
 * complete, before any payload buffer exists, as C xenstored's {@code handle_input} does.
 * Not thread-safe: one reader per connection.
 */
public final class XsMessageReader {

    private final ByteBuffer header = ByteBuffer.allocate(XsSockmsgDescriptor.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] payload;
    private int payloadFilled;
    private int type;
    private int requestId;
    private int transactionId;

    /**
     * Consumes bytes from {@code in} until one message is complete or {@code in} is empty.
     *
     * @param in bytes from the peer; its position advances over what was consumed
     * @return the next complete message, or null when more bytes are needed
     * @throws ProtocolViolationException if a header announces more than PAYLOAD_MAX bytes
     */
    public XsMessage read(ByteBuffer in) throws ProtocolViolationException {
        if (payload == null) {
            int k = Math.min(header.remaining(), in.remaining());
            in.get(header.array(), header.position(), k);
            header.position(header.position() + k);
            if (header.hasRemaining()) {
                return null;
            }
            type = header.getInt(XsSockmsgDescriptor.TYPE_OFFSET);
            requestId = header.getInt(XsSockmsgDescriptor.REQ_ID_OFFSET);
            transactionId = header.getInt(XsSockmsgDescriptor.TX_ID_OFFSET);
            int length = header.getInt(XsSockmsgDescriptor.LEN_OFFSET);
            // Unsigned compare: a "negative" length is a huge one.
            if (Integer.compareUnsigned(length, XsSockmsgDescriptor.PAYLOAD_MAX) > 0) {
                throw new ProtocolViolationException("payload length " + Integer.toUnsignedString(length)
                        + " exceeds XENSTORE_PAYLOAD_MAX " + XsSockmsgDescriptor.PAYLOAD_MAX);
            }
            payload = new byte[length];
            payloadFilled = 0;
        }
        int n = Math.min(in.remaining(), payload.length - payloadFilled);
        in.get(payload, payloadFilled, n);
        payloadFilled += n;
        if (payloadFilled < payload.length) {
            return null;
        }
        XsMessage message = new XsMessage(type, requestId, transactionId, payload);
        payload = null;
        header.clear();
        return message;
    }

    /** True when part of a message has been consumed and the rest is outstanding. */
    public boolean inMessage() {
        return payload != null || header.position() > 0;
    }
}
