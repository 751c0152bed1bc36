package io.jxen.hv.transport;

import io.jxen.abi.XenPage;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hypercall.GuestCpu;
import io.jxen.hypercall.Hypercalls;
import io.jxen.hypercall.transport.HypercallWire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Serves one domain's hypercalls to a guest in another JVM over a Unix-domain socket
 * ({@link HypercallWire}). The socket belongs to the domain: every connection on it acts as that
 * domain, on the vCPU it binds to (the socket file is readable and writable by its owner only),
 * and goes through the very same {@link Hypercalls} as an
 * in-process guest. One platform thread per connection (a vCPU), since a call may block in
 * SCHEDOP_block; a frame that breaks the protocol closes that connection and nothing else.
 */
public final class HypercallServer implements AutoCloseable {

    private final Hypervisor hypervisor;
    private final Domain domain;
    private final Path socket;
    private final ServerSocketChannel server;
    private final byte[] memoryPath;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final long doorbellMfn;
    private final java.util.concurrent.atomic.AtomicInteger boundVcpus = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean crashWhenAbandoned;
    private volatile boolean closed;

    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Starts serving {@code domain} at {@code socket} (which must not exist).
     *
     * @throws IOException if the socket cannot be bound
     */
    public HypercallServer(Hypervisor hypervisor, Domain domain, Path socket) throws IOException {
        this.hypervisor = hypervisor;
        this.domain = domain;
        this.socket = socket;
        this.memoryPath = hypervisor.host().memory().file().toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        if (memoryPath.length > HypercallWire.MAX_PATH_BYTES) {
            throw new IOException("memory file path too long for the wire: " + memoryPath.length + " bytes");
        }
        this.doorbellMfn = hypervisor.doorbellMfn(domain.domid());
        if (doorbellMfn < 0) {
            throw new IOException("no memory for the doorbell page of d" + domain.domid());
        }
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // Whoever can connect acts as this domain: only the owner may.
        Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        this.acceptor = Thread.ofPlatform().daemon().name("hypercalls-d" + domain.domid()).start(this::acceptLoop);
    }

    /**
     * From now on, when the last connection that bound a vCPU goes while the server is open (the
     * guest's process died: killed, crashed, exited without shutting down), the domain crashes
     * ({@code domain_crash}, reason crash): its CPUs are gone, as for a VM whose hardware failed,
     * and the toolstack applies its {@code on_crash}. A domain already shut down is left as it is.
     *
     * @return this
     */
    public HypercallServer crashWhenAbandoned() {
        crashWhenAbandoned = true;
        return this;
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel channel = server.accept();
                connections.add(channel);
                accepted.incrementAndGet();
                workers.add(Thread.ofPlatform().daemon().name("hypercalls-d" + domain.domid() + "-conn")
                        .start(() -> serve(channel)));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private ByteBuffer hello() {
        ByteBuffer hello = HypercallWire.buffer(HypercallWire.HELLO_SIZE + memoryPath.length);
        hello.putInt(HypercallWire.MAGIC).putShort(HypercallWire.VERSION).putShort((short) domain.domid())
                .putInt(domain.vcpuCount()).putInt(memoryPath.length)
                .putLong(domain.physMap().p2m().firstMfn())
                .putLong(domain.physMap().p2m().gfnLimit())
                .putLong(domain.startInfoGfn() << XenPage.SHIFT)
                .putLong(hypervisor.host().memory().frames())
                .putLong(doorbellMfn)
                .put(memoryPath)
                .flip();
        return hello;
    }

    private void serve(SocketChannel channel) {
        boolean bound = false;
        try (channel) {
            HypercallWire.writeFully(channel, hello());
            ByteBuffer bind = HypercallWire.buffer(HypercallWire.BIND_SIZE);
            HypercallWire.readFully(channel, bind);
            int vcpu = bind.getInt(0);
            if (vcpu < 0 || vcpu >= domain.vcpuCount()) {
                return; // not a vCPU of this domain: protocol error
            }
            Hypercalls hypercalls = hypervisor.hypercalls(domain.domid(), vcpu);
            GuestCpu cpu = hypervisor.cpu(domain.domid(), vcpu);
            boundVcpus.incrementAndGet();
            bound = true;
            ByteBuffer call = HypercallWire.buffer(HypercallWire.CALL_SIZE);
            ByteBuffer result = HypercallWire.buffer(HypercallWire.RESULT_SIZE);
            while (!closed) {
                call.clear();
                HypercallWire.readFully(channel, call);
                int number = call.getInt(0);
                long rc = (number & HypercallWire.TRAP) != 0
                        ? HypercallWire.trap(cpu, number, call.getLong(8), call.getLong(16), call.getLong(24))
                        : hypercalls.hypercall(number, call.getLong(8), call.getLong(16), call.getLong(24),
                                call.getLong(32), call.getLong(40));
                result.clear();
                result.putLong(rc).flip();
                HypercallWire.writeFully(channel, result);
            }
        } catch (IOException | IllegalArgumentException e) {
            // the guest went away (its process may have been killed mid-frame), the domain was
            // destroyed, or the frame was bad: drop this connection
        } catch (RuntimeException e) {
            // a dying peer is hostile input too: whatever it left half done costs this
            // connection, never the hypervisor's process
            System.getLogger("jxen.hv.transport").log(System.Logger.Level.WARNING,
                    "d" + domain.domid() + ": dropping a hypercall connection: " + e, e);
        } finally {
            connections.remove(channel);
            workers.remove(Thread.currentThread());
            if (bound && boundVcpus.decrementAndGet() == 0 && crashWhenAbandoned && !closed
                    && hypervisor.byId(domain.domid()) == domain) {
                hypervisor.shutdown(domain.domid(), ShutdownReason.CRASH);
            }
        }
    }

    /** Connections accepted since the server started (open or gone). */
    public long acceptedCount() {
        return accepted.get();
    }

    /**
     * Connections being served now (vCPUs of a live guest process). A peer that goes away at any
     * point of a frame, killed or not, leaves none behind.
     */
    public int connectionCount() {
        return connections.size();
    }

    /** Stops serving: closes the socket and every connection, removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            for (SocketChannel channel : connections) {
                channel.close();
            }
            for (Thread worker : workers) {
                worker.interrupt(); // a vCPU blocked in SCHEDOP_block returns
            }
            acceptor.join();
            for (Thread worker : workers) {
                worker.join();
            }
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
