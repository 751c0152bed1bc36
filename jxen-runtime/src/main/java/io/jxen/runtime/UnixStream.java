package io.jxen.runtime;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected {@code AF_UNIX} stream socket driven by libc's {@code read}/{@code write}
 * through FFM downcalls: a connection that many threads share, or that is a vCPU's only way
 * into the hypervisor, and that no caller's interrupt may end.
 *
 * <p>Why not {@link java.nio.channels.SocketChannel}: it is an interruptible channel, so a
 * thread interrupted while it waits in a blocking read or write <em>closes the channel</em>
 * (AbstractInterruptibleChannel), for every user. A guest thread interrupted in the middle of
 * a hypercall (a XenBus bus giving up on a hung hook, an executor shut down) left every later
 * call of that vCPU answering {@code -ESRCH}, the domain's vCPU dead; one interrupted writer
 * ended a xenstore client's connection for the toolstack and every backend. A thread blocked
 * in {@code read(2)} or {@code write(2)} here ignores {@link Thread#interrupt()}; its flag stays
 * set for the caller to see once the call returns, as an interrupt on a real CPU leaves a
 * hypercall in flight alone.
 *
 * <p>{@link #shutdown()} (any thread) ends a blocked read or write with an error;
 * {@link #close()} releases the descriptor and must only run once no thread uses the stream
 * (its owner orders them). One reader and one writer at a time (each direction has its own
 * native scratch). x86_64 Linux; needs {@code --enable-native-access}.
 */
@SuppressWarnings("restricted") // the downcalls are the point of this class; jxen runs with native access
public final class UnixStream implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SHUT_RDWR = 2;
    private static final int EINTR = 4;
    /** {@code struct sockaddr_un}: {@code sa_family_t sun_family} then {@code char sun_path[108]}. */
    private static final int SUN_PATH_BYTES = 108;
    private static final int SOCKADDR_UN_BYTES = 2 + SUN_PATH_BYTES;
    /** Native staging for heap buffers (HELLO's path, test buffers); hypercall frames fit easily. */
    private static final int STAGING_BYTES = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = downcall("connect",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SHUTDOWN = downcall("shutdown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc " + name)),
                descriptor, Linker.Option.captureCallState("errno"));
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final Direction in = new Direction(arena);
    private final Direction out = new Direction(arena);
    private volatile boolean shut;
    private boolean closed;

    private UnixStream(int fd) {
        this.fd = fd;
    }

    /** One direction's native scratch: the errno capture and the staging for heap buffers. */
    private static final class Direction {
        final MemorySegment errno;
        final MemorySegment staging;

        Direction(Arena arena) {
            errno = arena.allocate(CAPTURE_LAYOUT);
            staging = arena.allocate(STAGING_BYTES, 8);
        }
    }

    /** Connects to the listening socket at {@code path}. */
    public static UnixStream connect(Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_BYTES) {
            throw new IOException("socket path longer than sun_path (" + (SUN_PATH_BYTES - 1) + " bytes): " + path);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment capture = call.allocate(CAPTURE_LAYOUT);
            int fd = (int) SOCKET.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw failure("socket", capture);
            }
            MemorySegment address = call.allocate(SOCKADDR_UN_BYTES, 2); // zeroed: sun_path ends in NUL
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
            int rc;
            do {
                rc = (int) CONNECT.invokeExact(capture, fd, address, SOCKADDR_UN_BYTES);
            } while (rc < 0 && errnoOf(capture) == EINTR);
            if (rc < 0) {
                IOException e = failure("connect", capture);
                int ignored = (int) CLOSE.invokeExact(capture, fd);
                throw e;
            }
            return new UnixStream(fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Reads exactly {@code buffer.remaining()} bytes, then flips the buffer for reading. */
    public void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (read(buffer) < 0) {
                throw new EOFException("connection closed by the peer");
            }
        }
        buffer.flip();
    }

    /**
     * Reads what is there, at least one byte (waiting for it), into {@code buffer}.
     *
     * @return bytes read, or -1 once the peer has closed the connection
     */
    public int read(ByteBuffer buffer) throws IOException {
        if (!buffer.hasRemaining()) {
            return 0;
        }
        int want = buffer.isDirect() ? buffer.remaining() : Math.min(buffer.remaining(), STAGING_BYTES);
        MemorySegment to = buffer.isDirect() ? MemorySegment.ofBuffer(buffer) : in.staging;
        long n = transfer(READ, in, to, want);
        if (n == 0) {
            return -1;
        }
        if (!buffer.isDirect()) {
            MemorySegment.copy(in.staging, ValueLayout.JAVA_BYTE, 0, buffer.array(),
                    buffer.arrayOffset() + buffer.position(), (int) n);
        }
        buffer.position(buffer.position() + (int) n);
        return (int) n;
    }

    /** Writes the whole (flipped) buffer. */
    public void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int want = buffer.isDirect() ? buffer.remaining() : Math.min(buffer.remaining(), STAGING_BYTES);
            MemorySegment from;
            if (buffer.isDirect()) {
                from = MemorySegment.ofBuffer(buffer);
            } else {
                MemorySegment.copy(buffer.array(), buffer.arrayOffset() + buffer.position(), out.staging,
                        ValueLayout.JAVA_BYTE, 0, want);
                from = out.staging;
            }
            long n = transfer(WRITE, out, from, want);
            buffer.position(buffer.position() + (int) n);
        }
    }

    /** One {@code read} or {@code write} of up to {@code bytes}, retried on EINTR. */
    private long transfer(MethodHandle op, Direction d, MemorySegment at, long bytes) throws IOException {
        if (shut) {
            throw new IOException("connection shut down");
        }
        try {
            long n;
            do {
                n = (long) op.invokeExact(d.errno, fd, at, bytes);
            } while (n < 0 && errnoOf(d.errno) == EINTR && !shut);
            if (n < 0) {
                throw failure(op == READ ? "read" : "write", d.errno);
            }
            return n;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Ends the connection both ways: a read or write blocked in another thread returns at once. */
    public void shutdown() {
        shut = true;
        try (Arena call = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(call.allocate(CAPTURE_LAYOUT), fd, SHUT_RDWR);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Shuts the connection down and releases the descriptor; no thread may be using the stream. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdown();
        try (Arena call = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(call.allocate(CAPTURE_LAYOUT), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        arena.close();
    }

    private static int errnoOf(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static IOException failure(String call, MemorySegment capture) {
        int errno = errnoOf(capture);
        String what = switch (errno) {
            case 2 -> "No such file or directory";
            case 13 -> "Permission denied";
            case 32 -> "Broken pipe";
            case 104 -> "Connection reset by peer";
            case 111 -> "Connection refused";
            default -> "errno " + errno;
        };
        return new IOException(call + ": " + what); // callers name the path (as SocketChannel's messages leave it to them)
    }
}
