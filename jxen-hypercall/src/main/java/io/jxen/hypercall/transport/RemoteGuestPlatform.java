package io.jxen.hypercall.transport;

import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.UnixStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link GuestPlatform} of a domain whose hypervisor runs in another JVM: connects to the
 * domain's hypercall socket, learns from HELLO where the machine memory and the p2m are, maps
 * the memory file, and opens one connection per vCPU whose hypercalls are asked for.
 */
public final class RemoteGuestPlatform implements GuestPlatform, AutoCloseable {

    private final Path socket;
    private final int domid;
    private final int vcpus;
    private final long startInfoGpa;
    private final long doorbellMfn;
    private final MachineMemory memory;
    private final GuestPhysicalMemory guestMemory;
    private final SocketHypercalls[] hypercalls;
    private final List<UnixStream> spare = new ArrayList<>();

    private RemoteGuestPlatform(Path socket, UnixStream first, ByteBuffer hello, String memoryFile) throws IOException {
        this.socket = socket;
        this.domid = Short.toUnsignedInt(hello.getShort(6));
        this.vcpus = hello.getInt(8);
        long p2mFirstMfn = hello.getLong(16);
        long gfnLimit = hello.getLong(24);
        this.startInfoGpa = hello.getLong(32);
        this.doorbellMfn = hello.getLong(48);
        this.memory = MachineMemory.open(Path.of(memoryFile));
        this.guestMemory = new GuestPhysicalMemory(memory, p2mFirstMfn, gfnLimit);
        this.hypercalls = new SocketHypercalls[vcpus];
        spare.add(first);
    }

    /**
     * Connects to a domain's hypercall socket.
     *
     * @throws IOException if the socket is not there or does not speak {@link HypercallWire}
     */
    public static RemoteGuestPlatform connect(Path socket) throws IOException {
        UnixStream channel = UnixStream.connect(socket);
        try {
            ByteBuffer hello = readHello(channel);
            byte[] path = new byte[hello.getInt(12)];
            ByteBuffer pathBuffer = ByteBuffer.wrap(path);
            channel.readFully(pathBuffer);
            return new RemoteGuestPlatform(socket, channel, hello, new String(path, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ByteBuffer readHello(UnixStream channel) throws IOException {
        ByteBuffer hello = HypercallWire.buffer(HypercallWire.HELLO_SIZE);
        channel.readFully(hello);
        if (hello.getInt(0) != HypercallWire.MAGIC || hello.getShort(4) != HypercallWire.VERSION) {
            throw new IOException("not a jxen hypercall socket (magic/version mismatch)");
        }
        int pathBytes = hello.getInt(12);
        if (pathBytes < 1 || pathBytes > HypercallWire.MAX_PATH_BYTES) {
            throw new IOException("bad memory-file path length " + pathBytes);
        }
        return hello;
    }

    private UnixStream newConnection() throws IOException {
        if (!spare.isEmpty()) {
            return spare.removeFirst();
        }
        UnixStream channel = UnixStream.connect(socket);
        try {
            ByteBuffer hello = readHello(channel);
            channel.readFully(ByteBuffer.allocate(hello.getInt(12)));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public int vcpus() {
        return vcpus;
    }

    @Override
    public synchronized Hypercalls hypercalls(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("no vCPU " + vcpu + " in d" + domid);
        }
        if (hypercalls[vcpu] == null) {
            try {
                hypercalls[vcpu] = new SocketHypercalls(newConnection(), vcpu);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot reach the hypervisor at " + socket, e);
            }
        }
        return hypercalls[vcpu];
    }

    @Override
    public io.jxen.hypercall.GuestCpu cpu(int vcpu) {
        return new SocketCpu(hypercalls(vcpu));
    }

    @Override
    public io.jxen.memory.futex.Doorbell doorbell(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("no vCPU " + vcpu + " in d" + domid);
        }
        return new io.jxen.memory.futex.Doorbell(memory.frame(doorbellMfn),
                (long) vcpu * io.jxen.memory.futex.Doorbell.SIZE_BYTES);
    }

    @Override
    public GuestPhysicalMemory memory() {
        return guestMemory;
    }

    @Override
    public long startInfoGpa() {
        return startInfoGpa;
    }

    /** Closes the connections and unmaps the memory. */
    @Override
    public synchronized void close() {
        for (SocketHypercalls h : hypercalls) {
            if (h != null) {
                h.close();
            }
        }
        for (UnixStream channel : spare) {
            channel.close();
        }
        memory.close();
    }
}
