package io.jxen.hv;

import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A host for tests: machine memory in a temporary file and a hypervisor on a virtual clock. */
public final class TestHost implements AutoCloseable {

    /** Machine frames of the test host (16 MiB). */
    public static final int FRAMES = 4096;

    final MachineMemory memory;
    final Hypervisor hv;
    final Path dir;
    /** Whether guests reach the hypervisor through the Unix-socket transport. */
    final boolean overSocket;
    private final java.util.Map<Integer, io.jxen.hypercall.GuestPlatform> platforms = new java.util.HashMap<>();
    private final java.util.List<AutoCloseable> closeables = new java.util.ArrayList<>();

    TestHost(Path dir) {
        this(dir, false);
    }

    /** The virtual clock the hypervisor runs on. */
    final VirtualClock clock = new VirtualClock(0);
    /** Host time, or null if the host keeps none. */
    final SimTimekeeping time;

    TestHost(Path dir, boolean overSocket) {
        this(dir, overSocket, false);
    }

    TestHost(Path dir, boolean overSocket, boolean withTime) {
        this(dir, overSocket, withTime ? SimTimekeeping::new : null);
    }

    /**
     * A host whose time comes from {@code timekeeping} applied to the virtual clock (null: no
     * host time); {@link #time} is set only when that is the recording double.
     */
    TestHost(Path dir, boolean overSocket,
             java.util.function.Function<io.jxen.runtime.Clock, io.jxen.hv.timekeeping.Timekeeping> timekeeping) {
        this(dir, overSocket, timekeeping, io.jxen.runtime.HaltPoll.off());
    }

    /** A host without time whose blocking vCPUs halt-poll by {@code haltPoll}. */
    TestHost(Path dir, io.jxen.runtime.HaltPoll haltPoll) {
        this(dir, false, null, haltPoll);
    }

    private TestHost(Path dir, boolean overSocket,
                     java.util.function.Function<io.jxen.runtime.Clock, io.jxen.hv.timekeeping.Timekeeping> timekeeping,
                     io.jxen.runtime.HaltPoll haltPoll) {
        this.dir = dir;
        this.overSocket = overSocket;
        try {
            memory = MachineMemory.create(dir.resolve("host.mem"), FRAMES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        io.jxen.hv.timekeeping.Timekeeping keeping = timekeeping == null ? null : timekeeping.apply(clock);
        time = keeping instanceof SimTimekeeping sim ? sim : null;
        hv = new Hypervisor(memory, clock, keeping, haltPoll);
    }

    Domain domain(long pages, int vcpus) {
        return hv.createDomain(DomainConfig.of(pages, vcpus));
    }

    /**
     * What a guest of {@code d} boots with: in process, or over a socket served for it (created
     * on first use; a new one after the domain id was reused).
     */
    io.jxen.hypercall.GuestPlatform platform(Domain d) {
        io.jxen.hypercall.GuestPlatform p = platforms.get(d.domid());
        if (p != null && owner.get(d.domid()) == d) {
            return p;
        }
        // Forget the platforms of destroyed domains: ids are not reused soon (the hypervisor's
        // rover), so a map keyed by id would otherwise keep every domain a test ever made.
        owner.entrySet().removeIf(e -> {
            boolean gone = hv.byId(e.getKey()) != e.getValue();
            if (gone) {
                platforms.remove(e.getKey());
            }
            return gone;
        });
        if (!overSocket) {
            p = hv.platform(d.domid());
        } else {
            try {
                Path socket = dir.resolve("d" + d.domid() + "-" + closeables.size() + ".sock");
                closeables.add(new io.jxen.hv.transport.HypercallServer(hv, d, socket));
                io.jxen.hypercall.transport.RemoteGuestPlatform remote =
                        io.jxen.hypercall.transport.RemoteGuestPlatform.connect(socket);
                closeables.add(remote);
                p = remote;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        platforms.put(d.domid(), p);
        owner.put(d.domid(), d);
        return p;
    }

    private final java.util.Map<Integer, Domain> owner = new java.util.HashMap<>();

    /** A guest's view of itself: its hypercalls (vCPU 0) and its memory. */
    Guest guest(Domain d) {
        io.jxen.hypercall.GuestPlatform p = platform(d);
        return new Guest(d, p.hypercalls(0), p.memory());
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        memory.close();
    }

    /** What a guest has: hypercalls and its own memory. Scratch structures go at {@link #ARG}. */
    record Guest(Domain domain, Hypercalls hc, GuestPhysicalMemory mem) {
        /** Guest-physical address where tests write hypercall arguments (page 1). */
        static final long ARG = 0x1000;
        /** A second argument page (page 2), e.g. for arrays. */
        static final long LIST = 0x2000;

        int domid() {
            return domain.domid();
        }

        /**
         * VCPUOP_initialise of vCPU {@code vcpu} with a zeroed context (built at page 2, which
         * the context spans with page 3), so that VCPUOP_up may bring it up.
         */
        void initialiseVcpu(int vcpu) {
            long ctx = 2L << io.jxen.abi.XenPage.SHIFT;
            mem.zero(ctx, io.jxen.abi.xen.VcpuGuestContextDescriptor.SIZE);
            long rc = hc.hypercall(io.jxen.abi.Hypercall.VCPU_OP, io.jxen.abi.vcpu.VcpuOp.INITIALISE, vcpu, ctx);
            if (rc != 0) {
                throw new IllegalStateException("VCPUOP_initialise of vCPU " + vcpu + ": " + rc);
            }
        }
    }
}
