package io.jxen.host.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The client's byte stream, read through one direct buffer: big-endian integers and bounded
 * byte arrays for negotiation and request headers, and {@link #readFully(ByteBuffer)}, which
 * hands a WRITE payload straight into the caller's (direct) buffer: what is already buffered
 * is copied once, the rest is read from the socket into the destination itself. Used by one
 * thread at a time (negotiation, then the connection's request reader).
 */
final class NbdInput {

    /**
     * Small on purpose: what a refill brings in past a request header is usually the start of
     * a WRITE payload, copied once more; 4 KiB still holds ~145 pipelined request headers.
     */
    private static final int BUFFER_BYTES = 4096;

    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).flip();

    NbdInput(ReadableByteChannel channel) {
        this.channel = channel;
    }

    /**
     * Waits until at least one byte is there; false when the client closed the stream cleanly
     * (nothing buffered, end of stream), as it may between requests.
     */
    boolean awaitData() throws IOException {
        if (buffer.hasRemaining()) {
            return true;
        }
        buffer.clear();
        try {
            int n;
            do {
                n = channel.read(buffer);
            } while (n == 0);
            return n > 0;
        } finally {
            buffer.flip();
        }
    }

    /** Makes {@code count} (at most the buffer's size) bytes available, or throws EOFException. */
    private void need(int count) throws IOException {
        if (buffer.remaining() >= count) {
            return;
        }
        buffer.compact();
        try {
            while (buffer.position() < count) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException();
                }
            }
        } finally {
            buffer.flip();
        }
    }

    int readInt() throws IOException {
        need(4);
        return buffer.getInt();
    }

    long readLong() throws IOException {
        need(8);
        return buffer.getLong();
    }

    int readUnsignedShort() throws IOException {
        need(2);
        return Short.toUnsignedInt(buffer.getShort());
    }

    /** Exactly {@code count} bytes (the caller bounds it), or EOFException. */
    byte[] readNBytes(int count) throws IOException {
        byte[] bytes = new byte[count];
        int at = 0;
        while (at < count) {
            need(1);
            int n = Math.min(count - at, buffer.remaining());
            buffer.get(bytes, at, n);
            at += n;
        }
        return bytes;
    }

    /** Fills {@code dst} to its limit, or throws EOFException. */
    void readFully(ByteBuffer dst) throws IOException {
        if (buffer.hasRemaining()) {
            int n = Math.min(dst.remaining(), buffer.remaining());
            dst.put(dst.position(), buffer, buffer.position(), n);
            dst.position(dst.position() + n);
            buffer.position(buffer.position() + n);
        }
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw new EOFException();
            }
        }
    }
}
