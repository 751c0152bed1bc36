package io.jxen.bench.xenstore;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.xs.XsSockmsgDescriptor;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A minimal blocking xenstore client for latency measurements: one request in flight, the
 * header and payload sent in one write, no reader thread, no allocation per round trip.
 * Being the same for every daemon, its own cost cancels out in the ratios.
 */
final class RawXs implements AutoCloseable {

    private final SocketChannel channel;
    private final ByteBuffer out = ByteBuffer.allocateDirect(XsSockmsgDescriptor.SIZE + XsSockmsgDescriptor.PAYLOAD_MAX)
            .order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer in = ByteBuffer.allocateDirect(XsSockmsgDescriptor.SIZE + XsSockmsgDescriptor.PAYLOAD_MAX)
            .order(ByteOrder.LITTLE_ENDIAN);
    private int requestId;

    RawXs(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * One round trip.
     *
     * @param type    message type
     * @param strings arguments, each sent NUL-terminated except a WRITE's value (the last)
     * @return the reply's payload length
     * @throws IOException on a transport failure or an XS_ERROR reply
     */
    int request(int type, String... strings) throws IOException {
        out.clear();
        out.position(XsSockmsgDescriptor.SIZE);
        for (int i = 0; i < strings.length; i++) {
            out.put(strings[i].getBytes(StandardCharsets.ISO_8859_1));
            if (type != XsMessageTypes.WRITE || i < strings.length - 1) {
                out.put((byte) 0);
            }
        }
        int length = out.position() - XsSockmsgDescriptor.SIZE;
        out.putInt(XsSockmsgDescriptor.TYPE_OFFSET, type);
        out.putInt(XsSockmsgDescriptor.REQ_ID_OFFSET, ++requestId);
        out.putInt(XsSockmsgDescriptor.TX_ID_OFFSET, 0);
        out.putInt(XsSockmsgDescriptor.LEN_OFFSET, length);
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        return readReply();
    }

    /** Sends the prepared READ again (the latency loop: no encoding per round trip). */
    int repeat() throws IOException {
        out.rewind();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        return readReply();
    }

    private int readReply() throws IOException {
        in.clear().limit(XsSockmsgDescriptor.SIZE);
        fill();
        int type = in.getInt(XsSockmsgDescriptor.TYPE_OFFSET);
        int length = in.getInt(XsSockmsgDescriptor.LEN_OFFSET);
        if (length < 0 || length > XsSockmsgDescriptor.PAYLOAD_MAX) {
            throw new IOException("reply length " + length);
        }
        in.limit(XsSockmsgDescriptor.SIZE + length);
        fill();
        if (type == XsMessageTypes.ERROR) {
            byte[] b = new byte[length];
            in.get(XsSockmsgDescriptor.SIZE, b);
            throw new IOException("xenstored error " + new String(b, StandardCharsets.ISO_8859_1).trim());
        }
        return length;
    }

    private void fill() throws IOException {
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                throw new EOFException("xenstored closed the connection");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
