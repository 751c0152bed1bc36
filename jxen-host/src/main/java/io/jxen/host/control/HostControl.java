package io.jxen.host.control;

import io.jxen.host.console.ConsoleBackend;
import io.jxen.host.console.ConsoleRing;
import io.jxen.host.config.ConfigException;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.toolstack.Toolstack;
import io.jxen.host.toolstack.ToolstackException;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running host's control socket ({@code control.sock} in the host's directory, owner-only
 * like the hypercall sockets): each jxen process is its own host, so the verbs that inspect
 * one ({@code jxen console}, {@code jxen xenbus list}, {@code jxen list}, {@code jxen shutdown})
 * connect here. One request per connection, a line of at most {@link #MAX_LINE} bytes:
 *
 * <pre>
 *  list                 the xl list table, then EOF
 *  xenbus-list DOMAIN   the XenBus devices of DOMAIN (name or id) with their ivars, then EOF
 *  shutdown DOMAIN      xl shutdown (control/shutdown = poweroff)
 *  console DOMAIN       the console: output history, then output as it comes; bytes sent
 *                       go to the guest's input; EOF when the domain goes
 *  create PATH          xl create: builds and starts the guest of the xl.cfg at PATH (as
 *                       the host reads it); the reply line after ok is the new domain id
 *  destroy DOMAIN       xl destroy
 *  reboot DOMAIN        xl reboot (control/shutdown = reboot)
 *  pause DOMAIN         xl pause
 *  unpause DOMAIN       xl unpause
 *  domains              one {@link DomainSample} line per domain (key=value), then EOF
 *  vcpus                one {@link VcpuSample} line per vCPU, then EOF
 *  info                 one {@link HostInfo} line, then EOF
 * </pre>
 *
 * The first reply line is {@code ok} or {@code error MESSAGE}.
 */
public final class HostControl implements AutoCloseable {

    /** Longest request line. */
    public static final int MAX_LINE = 256;

    private static final int CONSOLE_WAIT_TRIES = 250;
    private static final long CONSOLE_WAIT_MILLIS = 20;
    private static final System.Logger LOG = System.getLogger("jxen.control");

    /** How long close() waits for console sessions to forward their last output. */
    static final long CONSOLE_DRAIN_MILLIS = 2_000;

    private final ServerSocketChannel server;
    private final Path socket;
    private final Toolstack toolstack;
    private final XenstoreClient xs;
    private final ConsoleBackend consoles;
    private final HostStats stats;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    /** Threads forwarding a console's output: close() lets them finish before it drops them. */
    private final Set<Thread> consoleSessions = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private HostControl(ServerSocketChannel server, Path socket, Toolstack toolstack, XenstoreClient xs,
                        ConsoleBackend consoles, HostStats stats) {
        this.stats = stats;
        this.server = server;
        this.socket = socket;
        this.toolstack = toolstack;
        this.xs = xs;
        this.consoles = consoles;
        this.acceptor = Thread.ofPlatform().daemon().name("jxen-control").start(this::acceptLoop);
    }

    /**
     * Listens on {@code socket}.
     *
     * @throws IOException if the socket cannot be made
     */
    public static HostControl start(Path socket, Toolstack toolstack, XenstoreClient xs, ConsoleBackend consoles)
            throws IOException {
        return start(socket, toolstack, xs, consoles, null);
    }

    /**
     * Listens on {@code socket}, answering {@code domains}, {@code vcpus} and {@code info} from
     * {@code stats} (null: those requests are refused).
     *
     * @throws IOException if the socket cannot be made
     */
    public static HostControl start(Path socket, Toolstack toolstack, XenstoreClient xs, ConsoleBackend consoles,
                                    HostStats stats) throws IOException {
        io.jxen.runtime.UnixSocketPath.claim(socket, "a jxen host");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        return new HostControl(server, socket, toolstack, xs, consoles, stats);
    }

    /** The socket's path. */
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                open.add(c);
                Thread.ofPlatform().daemon().name("jxen-control-conn").start(() -> serve(c));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel c) {
        try {
            String line = readLine(c);
            String[] words = line.trim().split("\\s+");
            switch (words[0]) {
                case "list" -> reply(c, "ok\n" + XlList.format(stats().domains()));
                case "xenbus-list" -> reply(c, "ok\n" + XenbusIvars.format(XenbusIvars.list(xs, domain(words))));
                case "shutdown" -> {
                    toolstack.shutdown(domain(words));
                    reply(c, "ok\n");
                }
                case "console" -> console(c, domain(words));
                case "create" -> {
                    String path = line.trim().substring("create".length()).trim();
                    if (path.isEmpty()) {
                        throw new IllegalArgumentException("expected the path of an xl.cfg");
                    }
                    GuestConfig cfg;
                    try {
                        cfg = GuestConfig.load(Path.of(path));
                    } catch (ConfigException | java.nio.file.InvalidPathException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                    reply(c, "ok\n" + toolstack.create(cfg) + "\n");
                }
                case "reboot" -> {
                    toolstack.reboot(guest(words));
                    reply(c, "ok\n");
                }
                case "destroy" -> {
                    toolstack.destroy(guest(words));
                    reply(c, "ok\n");
                }
                case "pause" -> {
                    int domid = guest(words);
                    if (!toolstack.pause(domid)) {
                        throw new IllegalArgumentException("pausing d" + domid + " failed");
                    }
                    reply(c, "ok\n");
                }
                case "unpause" -> {
                    int domid = guest(words);
                    if (!toolstack.unpause(domid)) {
                        throw new IllegalArgumentException("d" + domid + " is not paused");
                    }
                    reply(c, "ok\n");
                }
                case "domains" -> reply(c, "ok\n" + lines(stats().domains().stream().map(DomainSample::toLine)));
                case "vcpus" -> reply(c, "ok\n" + lines(stats().vcpus().stream().map(VcpuSample::toLine)));
                case "info" -> reply(c, "ok\n" + stats().info().toLine() + "\n");
                default -> reply(c, "error unknown request '" + words[0] + "' (list, domains, vcpus, info, xenbus-list,"
                        + " create, shutdown, reboot, destroy, pause, unpause, console)\n");
            }
        } catch (IllegalArgumentException | ToolstackException | XenstoreException e) {
            try {
                reply(c, "error " + e.getMessage() + "\n");
                // Read what the client still sends (bounded) so that closing does not reset the
                // connection under the reply it has not read yet.
                c.shutdownOutput();
                ByteBuffer rest = ByteBuffer.allocate(4096);
                for (int i = 0; i < 16 && c.read(rest.clear()) >= 0; i++) {
                    // discard
                }
            } catch (IOException ignored) {
                // the client is gone
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "control connection: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(c);
            try {
                c.close(); // after the error reply above, not before it
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private HostStats stats() {
        if (stats == null) {
            throw new IllegalArgumentException("this host keeps no statistics");
        }
        return stats;
    }

    private static String lines(java.util.stream.Stream<String> lines) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /** A guest (dom0 is refused, as xl refuses to pause or destroy it). */
    private int guest(String[] words) {
        int domid = domain(words);
        if (domid == 0) {
            throw new IllegalArgumentException("not on Domain-0");
        }
        return domid;
    }

    private int domain(String[] words) {
        if (words.length != 2) {
            throw new IllegalArgumentException("expected one DOMAIN (a name or an id)");
        }
        int domid;
        try {
            domid = Integer.parseInt(words[1]);
        } catch (NumberFormatException e) {
            domid = toolstack.domidOf(words[1]);
        }
        if (domid < 0 || (domid != 0 && toolstack.record(domid) == null)) {
            throw new IllegalArgumentException("no domain " + words[1]);
        }
        return domid;
    }

    private void console(SocketChannel c, int domid) throws IOException, InterruptedException {
        // As xl console waits for the console's tty node: a console requested right after the
        // domain was created may not be attached yet (the backend attaches on a watch event).
        java.util.Optional<ConsoleRing> found = consoles.console(domid);
        for (int i = 0; i < CONSOLE_WAIT_TRIES && found.isEmpty() && toolstack.record(domid) != null; i++) {
            Thread.sleep(CONSOLE_WAIT_MILLIS);
            found = consoles.console(domid);
        }
        ConsoleRing ring = found.orElseThrow(
                () -> new IllegalArgumentException("domain " + domid + " has no console attached"));
        consoleSessions.add(Thread.currentThread());
        try (ConsoleRing.Client client = ring.attach()) {
            reply(c, "ok\n");
            Thread input = Thread.ofPlatform().daemon().name("jxen-console-in-d" + domid).start(() -> pumpInput(c, client));
            try {
                write(c, client.history());
                // polled, so a client that hung up is noticed without waiting for output
                byte[] chunk;
                while (c.isOpen() && (chunk = client.poll(200)) != null) {
                    write(c, chunk);
                }
            } finally {
                input.interrupt();
            }
        } finally {
            consoleSessions.remove(Thread.currentThread());
        }
    }

    private static void pumpInput(SocketChannel c, ConsoleRing.Client client) {
        ByteBuffer in = ByteBuffer.allocate(1024);
        try {
            while (c.read(in.clear()) >= 0) {
                byte[] bytes = Arrays.copyOf(in.array(), in.position());
                int done = 0;
                while (done < bytes.length) {
                    int n = client.input(Arrays.copyOfRange(bytes, done, bytes.length));
                    if (n == 0) {
                        Thread.sleep(5); // the guest has not made room yet (or the console broke)
                    }
                    done += n;
                }
            }
            c.close(); // the client hung up: end the output side too
        } catch (IOException e) {
            // closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(MAX_LINE);
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("request ended without a newline");
            }
            byte x = one.get(0);
            if (x == '\n') {
                return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
            }
            if (!b.hasRemaining()) {
                throw new IllegalArgumentException("request longer than " + MAX_LINE + " bytes");
            }
            b.put(x);
        }
    }

    private static void reply(SocketChannel c, String text) throws IOException {
        write(c, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /**
     * Stops listening and drops every connection. Console sessions first get up to
     * {@link #CONSOLE_DRAIN_MILLIS} to forward what their console still holds: the host closes
     * the console backend before this, which ends each console's stream after its last output
     * (a guest's poweroff line, written just before the host stopped).
     */
    @Override
    public void close() throws IOException {
        server.close();
        long deadline = io.jxen.runtime.SystemClock.INSTANCE.nanoTime() + CONSOLE_DRAIN_MILLIS * 1_000_000L;
        for (Thread t : consoleSessions) {
            long left = deadline - io.jxen.runtime.SystemClock.INSTANCE.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                t.join(java.time.Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (SocketChannel c : open) {
            c.close();
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }
}
