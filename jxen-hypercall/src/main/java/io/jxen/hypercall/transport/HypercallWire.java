package io.jxen.hypercall.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * The wire format of hypercalls for a domain in another JVM, over a Unix-domain stream
 * socket. Memory is not on the wire: both sides map the same machine-memory file, so a
 * hypercall carries only its number and register arguments, exactly what a real guest
 * puts in registers. All integers little-endian, all frames fixed-size.
 *
 * <pre>
 *  server -> client, once per connection (HELLO, 56 bytes + path)
 *   0 magic 'JXHC' | 4 version | 6 domid | 8 vcpus | 12 pathBytes
 *  16 p2mFirstMfn  | 24 gfnLimit | 32 startInfoGpa | 40 machineFrames | 48 doorbellMfn
 *     (doorbell page: one futex {@code Doorbell} per vCPU at 8 * vcpu, rung with each upcall)
 *  56 memory-file path, UTF-8, pathBytes long (at most {@link #MAX_PATH_BYTES})
 *
 *  client -> server, once (BIND, 8 bytes):   0 vcpu (u32) | 4 reserved
 *  client -> server, per call (CALL, 48):    0 number (u32) | 4 reserved | 8 a1 .. 40 a5 (u64)
 *  server -> client, per call (RESULT, 8):   0 result (i64: value or negative Xen errno)
 * </pre>
 *
 * <p>The server binds a connection to the domain whose socket it came in on: the caller's
 * identity is the socket, never a field the guest writes. A malformed frame closes the
 * connection.
 */
public final class HypercallWire {

    /** {@code "JXHC"} read as a little-endian u32. */
    public static final int MAGIC = 0x4348584A;
    /** Protocol version. */
    public static final short VERSION = 1;
    /** Bytes of the fixed part of HELLO. */
    public static final int HELLO_SIZE = 56;
    /** Longest memory-file path accepted. */
    public static final int MAX_PATH_BYTES = 4096;
    /** Bytes of BIND. */
    public static final int BIND_SIZE = 8;
    /** Bytes of CALL. */
    public static final int CALL_SIZE = 48;
    /** Bytes of RESULT. */
    public static final int RESULT_SIZE = 8;

    private HypercallWire() {
    }

    /** A little-endian buffer of {@code size} bytes. */
    public static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads exactly {@code buffer.remaining()} bytes, then flips the buffer for reading. */
    public static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("hypercall connection closed");
            }
        }
        buffer.flip();
    }

    /** Writes the whole (flipped) buffer. */
    public static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
