package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Quotas;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jxen's xenstored on a Unix socket, a drop-in for C xenstored's: clients reach it through
 * {@code XENSTORED_PATH} (libxenstore, pyxs) and are dom0. A stale socket file is removed at
 * start, the socket is made {@code 0600} as C does, and {@link #close()} stops everything and
 * removes the socket.
 *
 * <pre>{@code
 * try (XenstoredServer xs = XenstoredServer.start(Path.of("/run/xenstored/socket"))) { ... }
 * }</pre>
 */
public final class XenstoredServer implements AutoCloseable {

    /** Default outbox bound per connection: beyond it a non-reading client is dropped. */
    public static final long DEFAULT_OUTBOX_LIMIT_BYTES = 4L << 20;

    private static final System.Logger LOG = System.getLogger("xenstored");

    private final Path socket;
    private final ServerSocketChannel server;
    private final XenstoredCore core;
    private final long outboxLimitBytes;
    private final Set<SocketConnection> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private XenstoredServer(Path socket, Quotas quotas, long outboxLimitBytes) throws IOException {
        this.socket = socket;
        this.outboxLimitBytes = outboxLimitBytes;
        this.core = new XenstoredCore(quotas, this::dropOverflowed);
        Files.deleteIfExists(socket);
        Path dir = socket.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: leave the default mode
        }
        this.acceptor = Thread.ofPlatform().daemon().name("xenstored-accept").unstarted(this::acceptLoop);
    }

    /**
     * Starts a daemon with Xen 4.17's default quotas.
     *
     * @param socket the socket path (stale files there are removed)
     * @return the running daemon; close it to stop
     * @throws IOException if the socket cannot be bound
     */
    public static XenstoredServer start(Path socket) throws IOException {
        return start(socket, Quotas.XEN_4_17, DEFAULT_OUTBOX_LIMIT_BYTES);
    }

    /**
     * Starts a daemon.
     *
     * @param socket           the socket path
     * @param quotas           per-domain limits
     * @param outboxLimitBytes per-connection bound on queued output
     * @return the running daemon
     * @throws IOException if the socket cannot be bound
     */
    public static XenstoredServer start(Path socket, Quotas quotas, long outboxLimitBytes) throws IOException {
        XenstoredServer s = new XenstoredServer(socket, quotas, outboxLimitBytes);
        s.acceptor.start();
        return s;
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    /** The request engine (tests attach in-process connections to it). */
    public XenstoredCore core() {
        return core;
    }

    /** Number of connected socket clients. */
    public int clientCount() {
        return clients.size();
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                SocketChannel ch = server.accept();
                SocketConnection[] self = new SocketConnection[1];
                self[0] = new SocketConnection(ch, core, outboxLimitBytes, () -> clients.remove(self[0]));
                clients.add(self[0]);
                self[0].start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(System.Logger.Level.WARNING, "accept failed", e);
                }
            }
        }
    }

    private void dropOverflowed(Connection c) {
        LOG.log(System.Logger.Level.WARNING, c + ": output queue over " + outboxLimitBytes
                + " bytes (client not reading); dropping the connection");
        for (SocketConnection sc : clients) {
            if (sc.connection() == c) {
                // Closing takes the core lock we are holding: do it from another thread.
                Thread.ofVirtual().start(sc::close);
            }
        }
    }

    /** Stops accepting, disconnects every client and removes the socket file. */
    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        for (SocketConnection sc : clients) {
            sc.close();
        }
        try {
            acceptor.join(5000);
            for (SocketConnection sc : clients) {
                sc.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }
}
