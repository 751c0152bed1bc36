package io.jxen.host.toolstack;

import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A real in-process hypervisor with dom0, a real xenstored on a socket, and a toolstack. */
final class ToolstackFixture implements AutoCloseable {

    /** Host frames: 64 MiB. */
    static final int FRAMES = 16384;

    final MachineMemory memory;
    final Hypervisor hv;
    final XenstoredServer xenstored;
    final XenstoreClient xs;
    final Toolstack toolstack;

    ToolstackFixture(Path dir) throws Exception {
        memory = MachineMemory.create(dir.resolve("host.mem"), FRAMES);
        VirtualClock clock = new VirtualClock(0);
        // Host time as io.jxen.host.Host has it (HVM domains need it for their platform timers).
        hv = new Hypervisor(memory, clock, new io.jxen.hv.timekeeping.JxenTime(new io.jxen.hv.time.HostTime(clock)));
        hv.createDomain(DomainConfig.of(256, 1));
        hv.unpause(0);
        xenstored = XenstoredServer.start(dir.resolve("xenstored.sock"));
        xs = XenstoreClient.connect(xenstored.socket());
        toolstack = Toolstack.forDom0(hv, xs);
        toolstack.initDom0();
    }

    /** The guest itself calls SCHEDOP_shutdown, its reason in its own page 0. */
    void guestShutsDown(int domid, ShutdownReason reason) {
        GuestPlatform p = hv.platform(domid);
        p.memory().putInt(0, reason.code());
        long rc = p.hypercalls(0).hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, 0);
        if (rc != 0) {
            throw new IllegalStateException("SCHEDOP_shutdown failed: " + rc);
        }
    }

    /** Children of a node, empty if it does not exist. */
    List<String> children(String path) throws IOException, XenstoreException {
        try {
            return xs.directory(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return List.of();
            }
            throw e;
        }
    }

    boolean exists(String path) throws IOException, XenstoreException {
        try {
            xs.read(path);
            return true;
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        xs.close();
        xenstored.close();
        memory.close();
    }
}
