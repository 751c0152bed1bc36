package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Quotas;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * jxen's xenstored on a Unix socket, a drop-in for C xenstored's: clients reach it through
 * {@code XENSTORED_PATH} (libxenstore, pyxs) and are dom0. A stale socket (nobody answers) is
 * removed at start; a live daemon's socket or a non-socket file refuses the start. The socket
 * is made {@code 0600} as C does, and {@link #close()} stops everything and
 * removes the socket.
 *
 * <p>One event-loop thread serves every client with non-blocking I/O (epoll underneath):
 * readable clients are read and their requests executed, then every client with queued
 * output is flushed. Idle connections cost nothing per request, unlike a poll set rebuilt
 * on every loop.
 *
 * <pre>{@code
 * try (XenstoredServer xs = XenstoredServer.start(Path.of("/run/xenstored/socket"))) { ... }
 * }</pre>
 */
public final class XenstoredServer implements AutoCloseable {

    /** Default outbox bound per connection: beyond it a non-reading client is dropped. */
    public static final long DEFAULT_OUTBOX_LIMIT_BYTES = 4L << 20;

    private static final System.Logger LOG = System.getLogger("xenstored");
    /**
     * The default longest busy-poll window, in µs; the loop polls only while a core is spare
     * ({@link io.jxen.runtime.SpareCore}), so on a busy machine it blocks at once (measured,
     * see docs/BENCHMARKS.md).
     */
    public static final int DEFAULT_BUSY_POLL_MICROS = 50;
    /** The largest busy-poll window accepted, in µs. */
    public static final int MAX_BUSY_POLL_MICROS = 1000;

    private final Path socket;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final XenstoredCore core;
    private final long outboxLimitBytes;
    private final Set<SocketConnection> clients = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<SocketConnection> dirty = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SocketConnection> toDrop = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private volatile boolean closing;
    /** The loop thread's read buffer, shared by all connections (direct: no copy in the JDK). */
    private final java.nio.ByteBuffer readBuffer = java.nio.ByteBuffer.allocateDirect(64 * 1024);
    /**
     * The loop thread's write buffer, shared by all connections (direct: the JDK writes it
     * without a copy); any one message fits (header plus XENSTORE_PAYLOAD_MAX).
     */
    private final java.nio.ByteBuffer writeBuffer = java.nio.ByteBuffer.allocateDirect(64 * 1024);
    private io.jxen.xenstore.journal.Journal journal;
    /** Times the busy-poll window and the gaps between requests (real time: sockets are real; tests step it). */
    private volatile io.jxen.runtime.Clock clock = io.jxen.runtime.SystemClock.INSTANCE;
    /** Whether a core is free for polling (the machine's run queue; tests fix the answer). */
    private volatile io.jxen.runtime.SpareCore spareCore = io.jxen.runtime.SpareCore.system();
    private volatile int busyPollMicros = DEFAULT_BUSY_POLL_MICROS;
    /** How long the loop polls before blocking (used by the loop thread; replaced by {@link #busyPoll}). */
    private volatile BusyPoll busyPoll = new BusyPoll(1000L * DEFAULT_BUSY_POLL_MICROS, spareCore);
    /** The selector's action on a ready key (one object, not a lambda per wake-up). */
    private final java.util.function.Consumer<SelectionKey> onReady = this::onReady;
    /** Whether this turn of the loop served a request, and when the first one was read (loop thread). */
    private boolean served;
    private long woke;
    /** Turns of the loop that served requests (loop thread; read after it ended). */
    private long servedTurns;
    /** Busy-poll windows opened so far (written by the loop thread only; tests read it). */
    private volatile long pollWindows;

    private XenstoredServer(Path socket, Quotas quotas, long outboxLimitBytes) throws IOException {
        this.socket = socket;
        this.outboxLimitBytes = outboxLimitBytes;
        this.core = new XenstoredCore(quotas, this::dropOverflowed);
        removeStaleSocket(socket);
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
        server.configureBlocking(false);
        this.selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.loop = Thread.ofPlatform().name("xenstored-loop").unstarted(this::run);
    }

    /**
     * Clears the way for binding {@code socket}, as C xenstored's {@code init_sockets} unlinks
     * a leftover socket, but more carefully: only a socket nobody answers on (a daemon that
     * died) is removed. A live daemon on it, or anything that is not a socket, is left alone
     * and the start is refused, so a mistyped {@code --socket} never deletes a user's file and
     * a second daemon never steals the first one's clients.
     *
     * @param socket the socket path
     * @throws IOException naming what is in the way
     */
    static void removeStaleSocket(Path socket) throws IOException {
        io.jxen.runtime.UnixSocketPath.claim(socket, "a live xenstored");
    }

    /**
     * Chooses how transactions started from now on detect conflicts (see
     * {@link XenstoredCore#mergeChildLists(boolean)}).
     *
     * @param on true (the default) to merge child lists at commit, false for C's conflicts
     * @return this daemon
     */
    public XenstoredServer mergeChildLists(boolean on) {
        core.mergeChildLists(on);
        return this;
    }

    /**
     * Sets the longest busy-poll window of the socket loop: after serving requests it polls
     * the sockets without blocking for up to this long (self-tuned, see {@link BusyPoll})
     * before it blocks, so a client that answers quickly is served without waking the
     * daemon. It costs CPU while clients are active and pays only with a core to spare, so
     * the loop polls only while {@link io.jxen.runtime.SpareCore} says one is.
     *
     * @param micros 0 (block at once) to {@link #MAX_BUSY_POLL_MICROS}; default
     *               {@link #DEFAULT_BUSY_POLL_MICROS}
     * @return this daemon
     */
    public XenstoredServer busyPoll(int micros) {
        if (micros < 0 || micros > MAX_BUSY_POLL_MICROS) {
            throw new IllegalArgumentException("busy poll of " + micros + " µs");
        }
        busyPollMicros = micros;
        busyPoll = new BusyPoll(1000L * micros, spareCore);
        return this;
    }

    /**
     * Replaces the answer to "is a core free for polling?" (tests drive both branches with
     * {@link io.jxen.runtime.SpareCore#fixed}); the default is {@link io.jxen.runtime.SpareCore#system()}.
     *
     * @param spare the probe
     * @return this daemon
     */
    XenstoredServer spareCore(io.jxen.runtime.SpareCore spare) {
        spareCore = spare;
        busyPoll = new BusyPoll(1000L * busyPollMicros, spare);
        return this;
    }

    /**
     * Replaces the clock that times busy-poll windows and request gaps (tests step it per
     * call, so what the loop decides does not depend on the machine's speed).
     *
     * @param c the clock
     * @return this daemon
     */
    XenstoredServer loopClock(io.jxen.runtime.Clock c) {
        clock = c;
        return this;
    }

    /** Busy-poll windows the loop has opened so far (tests). */
    long busyPollWindows() {
        return pollWindows;
    }

    /**
     * What busy polling did, for logs and benchmarks: {@code max_us=M windows=W
     * gate_closed=G served_turns=T}: W windows opened, G turns whose window would have opened
     * but found no spare core, of T turns of the loop that served requests. Exact once
     * {@link #close()} has returned (the loop thread writes the counters).
     *
     * @return the summary
     */
    public String busyPollSummary() {
        return "max_us=" + busyPollMicros + " windows=" + pollWindows + " gate_closed=" + busyPoll.gateClosedTurns()
                + " served_turns=" + servedTurns;
    }

    /**
     * Starts a daemon with Xen 4.17's default quotas.
     *
     * @param socket the socket path (a stale socket there is removed; anything else refuses the start)
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
        return start(socket, quotas, outboxLimitBytes, null);
    }

    /**
     * Starts a daemon, durable if {@code journalDir} is given: the store is first rebuilt from
     * the journal there (snapshot plus records; a torn tail is dropped), then every committed
     * request is appended and forced, in batches, before its reply leaves (see
     * {@link io.jxen.xenstore.journal.Journal}).
     *
     * @param socket           the socket path
     * @param quotas           per-domain limits
     * @param outboxLimitBytes per-connection bound on queued output
     * @param journalDir       the journal directory, or null for none
     * @return the running daemon
     * @throws IOException if the socket cannot be bound or the journal cannot be read
     */
    public static XenstoredServer start(Path socket, Quotas quotas, long outboxLimitBytes, Path journalDir)
            throws IOException {
        return start(socket, quotas, outboxLimitBytes, journalDir, io.jxen.xenstore.journal.Journal.DEFAULT_COMPACT_BYTES);
    }

    /**
     * As {@link #start(Path, Quotas, long, Path)}, with the journal size that triggers compaction.
     *
     * @param socket           the socket path
     * @param quotas           per-domain limits
     * @param outboxLimitBytes per-connection bound on queued output
     * @param journalDir       the journal directory, or null for none
     * @param compactBytes     journal bytes beyond which a snapshot is written
     * @return the running daemon
     * @throws IOException if the socket cannot be bound or the journal cannot be read
     */
    public static XenstoredServer start(Path socket, Quotas quotas, long outboxLimitBytes, Path journalDir,
                                        long compactBytes) throws IOException {
        io.jxen.xenstore.journal.Journal j = journalDir == null ? null
                : io.jxen.xenstore.journal.Journal.open(journalDir, compactBytes);
        XenstoredServer s;
        try {
            s = new XenstoredServer(socket, quotas, outboxLimitBytes);
        } catch (IOException | RuntimeException e) {
            if (j != null) {
                j.close();
            }
            throw e;
        }
        if (j != null) {
            s.core.attachJournal(j);
            s.journal = j;
        }
        s.loop.start();
        return s;
    }

    /** The journal, or null when not durable. */
    public io.jxen.xenstore.journal.Journal journal() {
        return journal;
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

    /** A connection has output queued: flush it on the loop (any thread). */
    void markDirty(SocketConnection c) {
        dirty.add(c);
        if (Thread.currentThread() != loop) {
            selector.wakeup();
        }
    }

    /** The read buffer of the loop thread (only the loop thread may use it). */
    java.nio.ByteBuffer readBuffer() {
        return readBuffer;
    }

    /** The write buffer of the loop thread (only the loop thread may use it). */
    java.nio.ByteBuffer writeBuffer() {
        return writeBuffer;
    }

    /** A connection closed itself (loop thread). */
    void forget(SocketConnection c) {
        clients.remove(c);
    }

    /**
     * Waits for work and serves the ready sockets as the selector reports them (through
     * {@link #onReady}, no selected-key set): polls without blocking for the {@link BusyPoll}
     * window first (only while a core is spare), then blocks in the selector.
     */
    private void await() throws IOException {
        BusyPoll poll = this.busyPoll;
        io.jxen.runtime.Clock clock = this.clock;
        long window = poll.windowNanos();
        if (window > 0) {
            pollWindows++;
            long last = clock.nanoTime();
            long deadline = last + window;
            while (true) {
                if (selector.selectNow(onReady) > 0 || !dirty.isEmpty() || !toDrop.isEmpty()) {
                    poll.ranClean();
                    return;
                }
                Thread.onSpinWait();
                long now = clock.nanoTime();
                if (now - last > BusyPoll.PREEMPTED_NANOS) {
                    poll.preempted();
                    break;
                }
                last = now;
                if (now - deadline >= 0 || closing || !poll.coreStillSpare()) {
                    poll.ranClean();
                    break;
                }
            }
        }
        selector.select(onReady);
    }

    /** One ready key (loop thread, called by the selector). */
    private void onReady(SelectionKey k) {
        if (!k.isValid()) {
            return;
        }
        if (k.isAcceptable()) {
            try {
                accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // ends the loop, as before (run's catch)
            }
            return;
        }
        SocketConnection c = (SocketConnection) k.attachment();
        if (k.isReadable()) {
            if (!served) {
                served = true;
                woke = clock.nanoTime();
            }
            c.onReadable();
        }
        if (k.isValid() && k.isWritable()) {
            c.flush();
        }
    }

    private void run() {
        long turnEnded = clock.nanoTime();
        try {
            while (!closing) {
                served = false;
                await();
                SocketConnection c;
                while ((c = toDrop.poll()) != null) {
                    c.close();
                }
                while ((c = dirty.poll()) != null) {
                    c.flush();
                }
                if (served) {
                    servedTurns++;
                    busyPoll.record(woke - turnEnded);
                }
                turnEnded = clock.nanoTime();
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.log(System.Logger.Level.ERROR, "xenstored event loop failed", e);
            }
        } finally {
            for (SocketConnection c : clients) {
                c.close();
            }
            try {
                selector.close();
                server.close();
            } catch (IOException e) {
                // shutting down
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            SocketConnection c = new SocketConnection(ch, core, this, outboxLimitBytes);
            c.attach(ch.register(selector, SelectionKey.OP_READ, c));
            clients.add(c);
        }
    }

    private void dropOverflowed(Connection c) {
        LOG.log(System.Logger.Level.WARNING, c + ": output queue over " + outboxLimitBytes
                + " bytes (client not reading); dropping the connection");
        for (SocketConnection sc : clients) {
            if (sc.connection() == c) {
                toDrop.add(sc);
                selector.wakeup();
            }
        }
    }

    /** Stops accepting, disconnects every client and removes the socket file. */
    @Override
    public void close() throws IOException {
        closing = true;
        selector.wakeup();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
        if (journal != null) {
            journal.close();
        }
    }
}
