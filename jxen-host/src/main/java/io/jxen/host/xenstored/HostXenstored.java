package io.jxen.host.xenstored;

import io.jxen.hv.Hypervisor;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.store.Quotas;

import java.io.IOException;
import java.nio.file.Path;

/**
 * xenstored as a host runs it: the Unix-socket daemon (dom0's clients, the toolstack), its
 * domain rings on the hypervisor ({@link HypervisorRings}) served by an {@link AgentRunner}
 * thread, and optionally the journal. One call to start, one to stop:
 *
 * <pre>{@code
 * try (HostXenstored xs = HostXenstored.start(hv, dir.resolve("xenstored.sock"), null, scratchGpa)) {
 *     // the toolstack connects to xs.server().socket(); XS_INTRODUCE now maps rings
 * }
 * }</pre>
 */
public final class HostXenstored implements AutoCloseable {

    private final XenstoredServer server;
    private final HypervisorRings rings;
    private final AgentRunner runner;

    private HostXenstored(XenstoredServer server, HypervisorRings rings, AgentRunner runner) {
        this.server = server;
        this.rings = rings;
        this.runner = runner;
    }

    /**
     * Starts xenstored on a host.
     *
     * @param hv         the hypervisor, dom0 created
     * @param socket     the socket path (a stale file is removed)
     * @param journalDir the journal directory, or null for a store that a crash loses (as Xen's)
     * @param scratchGpa a page of dom0 reserved for xenstored's hypercall arguments
     * @return the running daemon
     * @throws IOException if the socket or the journal cannot be opened
     */
    public static HostXenstored start(Hypervisor hv, Path socket, Path journalDir, long scratchGpa) throws IOException {
        return start(hv, socket, journalDir, scratchGpa, null);
    }

    /**
     * As {@link #start(Hypervisor, Path, Path, long)}; with {@code dom0Intr} (dom0's interrupt
     * layer, its vCPU's upcalls run on a thread) the rings' agent sleeps until a guest notifies
     * its store port or output is queued ({@link HypervisorRings#wakeOnEvents}), with parks of up
     * to 50 ms for the watch-event timeouts; without it, it polls (parks of at most 1 ms), as it
     * must where nothing runs dom0's upcalls (tests that step the host).
     */
    public static HostXenstored start(Hypervisor hv, Path socket, Path journalDir, long scratchGpa,
                                      io.jxen.guest.intr.XenIntr dom0Intr) throws IOException {
        XenstoredServer server = XenstoredServer.start(socket, Quotas.XEN_4_17,
                XenstoredServer.DEFAULT_OUTBOX_LIMIT_BYTES, journalDir);
        try {
            HypervisorRings rings = HypervisorRings.attach(hv, server.core(), scratchGpa);
            AgentRunner runner = AgentRunner.start(rings,
                    dom0Intr != null ? BackoffIdleStrategy.deadlines() : BackoffIdleStrategy.defaults(),
                    (agent, error) -> System.getLogger("xenstored").log(System.Logger.Level.ERROR,
                            agent.roleName() + ": " + error.getMessage(), error));
            if (dom0Intr != null) {
                rings.wakeOnEvents(dom0Intr, runner::wake);
            }
            return new HostXenstored(server, rings, runner);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The socket daemon (its {@code core()} is shared with the rings). */
    public XenstoredServer server() {
        return server;
    }

    /** The rings of introduced domains. */
    public HypervisorRings rings() {
        return rings;
    }

    /** Stops serving rings, then the socket daemon (and closes the journal). */
    @Override
    public void close() throws IOException {
        runner.close();
        server.close();
    }
}
