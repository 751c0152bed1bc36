package io.jxen.host.nbd;

import io.jxen.drivers.block.BlockDevice;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NBD server (NetworkBlockDevice/nbd doc/proto.md) exporting one {@link BlockDevice} under
 * one name, over TCP or a Unix socket. Fixed newstyle handshake with {@code NBD_OPT_GO},
 * {@code INFO}, {@code LIST}, {@code ABORT}, {@code EXPORT_NAME}, {@code STRUCTURED_REPLY},
 * {@code LIST_META_CONTEXT} and {@code SET_META_CONTEXT} ({@code base:allocation}); commands
 * READ, WRITE (FUA), FLUSH, TRIM, WRITE_ZEROES (NO_HOLE), BLOCK_STATUS and DISC. Every
 * connection negotiates on its own (platform) thread, then serves its requests concurrently on
 * up to {@code NbdTransmission.REQUEST_THREADS} request threads (twice the cores, 4 to 16), replying out of order
 * (see {@link NbdTransmission}); all share the device, so with multi-conn a FLUSH on one
 * connection makes every write acknowledged on any connection durable.
 *
 * <p>Clients are untrusted: every length is bounded before anything is allocated (options to
 * {@link #MAX_OPTION_BYTES}, payloads to {@link Options#maxPayloadBytes()}), what one
 * connection holds in flight is bounded ({@value NbdTransmission#MAX_IN_FLIGHT_REQUESTS}
 * requests, {@code max(maxPayloadBytes, 32 MiB)} bytes, so a client that never reads its
 * replies only stalls itself), and a client that breaks the protocol loses its connection,
 * never the server.
 *
 * <pre>{@code
 * try (NbdServer server = NbdServer.start(device, new InetSocketAddress("127.0.0.1", 0), "disk",
 *         NbdServer.Options.defaults())) {
 *     System.out.println(server.uri());   // nbd://127.0.0.1:PORT/disk
 * }
 * }</pre>
 */
public final class NbdServer implements AutoCloseable {

    /** Largest option payload accepted during negotiation; longer ones close the connection. */
    public static final int MAX_OPTION_BYTES = 64 * 1024;

    /** The payload limit clients assume without NBD_INFO_BLOCK_SIZE (proto.md): 32 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger("jxen.nbd");

    /** Idle payload buffers the server keeps for reuse across its connections. */
    private static final long RETAINED_BUFFER_BYTES = 64L << 20;

    /**
     * What the connections' in-flight bounds did, for tests and diagnostics: the most requests
     * and bytes one connection held at once, and how often a reader had to wait for capacity.
     */
    static final class Stats {
        // Peaks are updated on every request of every connection: atomics, read before written.
        private final java.util.concurrent.atomic.AtomicInteger peakRequests =
                new java.util.concurrent.atomic.AtomicInteger();
        private final AtomicLong peakBytes = new AtomicLong();
        private long throttles;

        void inFlight(int requests, long bytes) {
            if (requests > peakRequests.get()) {
                peakRequests.accumulateAndGet(requests, Math::max);
            }
            if (bytes > peakBytes.get()) {
                peakBytes.accumulateAndGet(bytes, Math::max);
            }
        }

        private long disconnects;

        synchronized void throttled() {
            throttles++;
            notifyAll();
        }

        /** A reader got NBD_CMD_DISC (it then waits for the requests in flight). */
        synchronized void disconnectRequested() {
            disconnects++;
            notifyAll();
        }

        /** Blocks until readers have seen {@code count} NBD_CMD_DISC in all. */
        synchronized void awaitDisconnects(long count) throws InterruptedException {
            while (disconnects < count) {
                wait();
            }
        }

        int peakRequests() {
            return peakRequests.get();
        }

        long peakBytes() {
            return peakBytes.get();
        }

        synchronized long throttles() {
            return throttles;
        }

        /** Blocks until some connection's reader has had to wait for capacity. */
        synchronized void awaitThrottled() throws InterruptedException {
            while (throttles == 0) {
                wait();
            }
        }
    }

    /**
     * How to serve the export.
     *
     * @param readOnly        export read-only even if the device is writable
     * @param multiConn       advertise {@code NBD_FLAG_CAN_MULTI_CONN}
     * @param maxPayloadBytes largest READ or WRITE, 512 bytes to 32 MiB
     * @param maxConnections  connections served at once; more are closed on accept
     * @param description     sent as {@code NBD_INFO_DESCRIPTION} when asked, or null
     * @param handshakeTimeout a client that has not finished negotiating by then is closed, so
     *                         silent connections cannot use up {@code maxConnections}
     */
    public record Options(boolean readOnly, boolean multiConn, int maxPayloadBytes, int maxConnections,
                          String description, java.time.Duration handshakeTimeout) {

        /** Checks the bounds. */
        public Options {
            if (maxPayloadBytes < 512 || maxPayloadBytes > DEFAULT_MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("maxPayloadBytes " + maxPayloadBytes);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections " + maxConnections);
            }
            if (description != null && description.getBytes(StandardCharsets.UTF_8).length > 4096) {
                throw new IllegalArgumentException("description longer than 4096 bytes");
            }
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout " + handshakeTimeout);
            }
        }

        /** Writable, multi-conn, 32 MiB payloads, 64 connections, no description, 30 s to negotiate. */
        public static Options defaults() {
            return new Options(false, true, DEFAULT_MAX_PAYLOAD_BYTES, 64, null, java.time.Duration.ofSeconds(30));
        }

        /** The same options, read-only. */
        public Options asReadOnly() {
            return new Options(true, multiConn, maxPayloadBytes, maxConnections, description, handshakeTimeout);
        }

        /** The same options with {@code text} as description. */
        public Options withDescription(String text) {
            return new Options(readOnly, multiConn, maxPayloadBytes, maxConnections, text, handshakeTimeout);
        }

        /** The same options with at most {@code connections} served at once. */
        public Options withMaxConnections(int connections) {
            return new Options(readOnly, multiConn, maxPayloadBytes, connections, description, handshakeTimeout);
        }

        /** The same options with another negotiation deadline. */
        public Options withHandshakeTimeout(java.time.Duration timeout) {
            return new Options(readOnly, multiConn, maxPayloadBytes, maxConnections, description, timeout);
        }
    }

    /**
     * Where the pooled payload buffers (READ data, WRITE payloads; 4 KiB to 4 MiB, reused) come
     * from. {@link #DIRECT} by default; an export through the PV path gives views of the guest
     * disk's registered I/O buffers, so blkfront moves no data between them and the ring.
     */
    public interface PayloadBuffers {
        /** A buffer of exactly {@code capacity} bytes, position 0, limit {@code capacity}. */
        ByteBuffer allocate(int capacity);

        /** A buffer from {@link #allocate} the pool no longer keeps. */
        void discard(ByteBuffer buffer);

        /** Plain direct buffers, left to the collector. */
        PayloadBuffers DIRECT = new PayloadBuffers() {
            @Override
            public ByteBuffer allocate(int capacity) {
                return ByteBuffer.allocateDirect(capacity);
            }

            @Override
            public void discard(ByteBuffer buffer) {
            }
        };
    }

    /** What a connection needs to know about the export. */
    record Export(BlockDevice device, String name, Options options, BufferPool buffers, Stats stats,
                  java.util.concurrent.ExecutorService requestThreads) {

        boolean readOnly() {
            return options.readOnly() || device.readOnly();
        }

        /** Transmission flags (proto.md "Transmission flags"). */
        int transmissionFlags() {
            int flags = NbdProtocol.TF_HAS_FLAGS | NbdProtocol.TF_SEND_FLUSH | NbdProtocol.TF_SEND_FUA
                    | NbdProtocol.TF_SEND_DF;
            if (readOnly()) {
                flags |= NbdProtocol.TF_READ_ONLY;
            } else {
                flags |= NbdProtocol.TF_SEND_TRIM | NbdProtocol.TF_SEND_WRITE_ZEROES;
            }
            if (options.multiConn()) {
                flags |= NbdProtocol.TF_CAN_MULTI_CONN;
            }
            return flags;
        }

        /** The export answers to its name and to the default name "". */
        boolean answersTo(String requested) {
            return requested.isEmpty() || requested.equals(name);
        }
    }

    private final Export export;
    private final ServerSocketChannel listener;
    private final SocketAddress boundAddress;
    private final Thread acceptor;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final AtomicLong served = new AtomicLong();
    private final java.util.concurrent.ScheduledExecutorService deadlines =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("nbd-handshake-deadline").factory());
    private volatile boolean closing;

    private NbdServer(Export export, ServerSocketChannel listener) throws IOException {
        this.export = export;
        this.listener = listener;
        this.boundAddress = listener.getLocalAddress();
        this.acceptor = Thread.ofPlatform().daemon().name("nbd-accept").unstarted(this::acceptLoop);
    }

    /**
     * Starts serving {@code device} as {@code exportName} on {@code address}: an
     * {@link InetSocketAddress} (port 0 picks a free port, see {@link #port()}) or a
     * {@link UnixDomainSocketAddress} (a stale socket file is replaced). The device is not
     * closed with the server.
     */
    public static NbdServer start(BlockDevice device, SocketAddress address, String exportName, Options options)
            throws IOException {
        return start(device, address, exportName, options, PayloadBuffers.DIRECT);
    }

    /** The same with payload buffers from {@code buffers}. */
    public static NbdServer start(BlockDevice device, SocketAddress address, String exportName, Options options,
                                  PayloadBuffers buffers) throws IOException {
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(exportName, "exportName");
        Objects.requireNonNull(options, "options");
        if (exportName.getBytes(StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException("export name longer than 4096 bytes");
        }
        ServerSocketChannel listener;
        if (address instanceof UnixDomainSocketAddress unix) {
            io.jxen.runtime.UnixSocketPath.claim(unix.getPath(), "an NBD server");
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            listener = ServerSocketChannel.open();
        }
        try {
            listener.bind(address, 64);
            // Request threads are pooled: connections come and go (nbdcopy opens several per
            // copy), and starting 16 platform threads per connection showed in short copies.
            java.util.concurrent.ExecutorService requestThreads = new java.util.concurrent.ThreadPoolExecutor(0,
                    Integer.MAX_VALUE, 30, java.util.concurrent.TimeUnit.SECONDS,
                    new java.util.concurrent.SynchronousQueue<>(),
                    Thread.ofPlatform().daemon().name("nbd-request-", 0).factory());
            NbdServer server = new NbdServer(new Export(device, exportName, options,
                    new BufferPool(RETAINED_BUFFER_BYTES, buffers), new Stats(), requestThreads), listener);
            server.acceptor.start();
            return server;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /** Starts on 127.0.0.1:{@code port} (0: any free port). */
    public static NbdServer start(BlockDevice device, int port, String exportName, Options options)
            throws IOException {
        return start(device, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), exportName, options);
    }

    /** The same with payload buffers from {@code buffers}. */
    public static NbdServer start(BlockDevice device, int port, String exportName, Options options,
                                  PayloadBuffers buffers) throws IOException {
        return start(device, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), exportName, options,
                buffers);
    }

    /** The address the server listens on. */
    public SocketAddress address() {
        return boundAddress;
    }

    /** The TCP port, or -1 on a Unix socket. */
    public int port() {
        return boundAddress instanceof InetSocketAddress inet ? inet.getPort() : -1;
    }

    /** The export's URI as libnbd and qemu spell it: {@code nbd://host:port/name} or {@code nbd+unix:///name?socket=path}. */
    public String uri() {
        if (boundAddress instanceof InetSocketAddress inet) {
            String host = inet.getAddress().getHostAddress();
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            return "nbd://" + host + ":" + inet.getPort() + "/" + export.name();
        }
        return "nbd+unix:///" + export.name() + "?socket=" + ((UnixDomainSocketAddress) boundAddress).getPath();
    }

    /** Connections open now. */
    public int activeConnections() {
        return connections.size();
    }

    /** What the in-flight bounds did so far (package-private: tests). */
    Stats stats() {
        return export.stats();
    }

    /** Connections accepted since start. */
    public long connectionsServed() {
        return served.get();
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(System.Logger.Level.WARNING, "nbd accept failed", e);
                }
                return;
            }
            if (connections.size() >= export.options().maxConnections()) {
                LOG.log(System.Logger.Level.WARNING, "nbd: connection limit reached, closing a new one");
                closeQuietly(channel);
                continue;
            }
            if (!(boundAddress instanceof UnixDomainSocketAddress)) {
                try {
                    // Every reply is written whole (one gathering write), so Nagle only delays:
                    // with delayed ACKs a second small write (an option reply after another, a
                    // WRITE acknowledgement) waited ~40 ms.
                    channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "nbd: TCP_NODELAY failed: " + e);
                }
            }
            connections.add(channel);
            served.incrementAndGet();
            Thread worker = Thread.ofPlatform().daemon().name("nbd-conn-" + served.get()).unstarted(() -> {
                try {
                    java.util.concurrent.ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(channel),
                            export.options().handshakeTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    new NbdConnection(export, channel, () -> deadline.cancel(false)).run();
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    LOG.log(System.Logger.Level.DEBUG, "nbd: server closing, dropping a new connection");
                } finally {
                    connections.remove(channel);
                    workers.remove(Thread.currentThread());
                    closeQuietly(channel);
                }
            });
            workers.add(worker);
            worker.start();
            if (closing) {
                closeQuietly(channel);
            }
        }
    }

    /** Stops accepting, closes every connection and waits for their threads; the device stays open. */
    @Override
    public void close() throws IOException {
        closing = true;
        listener.close();
        deadlines.shutdownNow();
        for (SocketChannel channel : connections) {
            closeQuietly(channel);
        }
        try {
            acceptor.join(10_000);
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        export.requestThreads().shutdown(); // connections wait for their request loops, so these are idle
        if (boundAddress instanceof UnixDomainSocketAddress unix) {
            Files.deleteIfExists(unix.getPath());
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "nbd: close failed", e);
        }
    }
}
