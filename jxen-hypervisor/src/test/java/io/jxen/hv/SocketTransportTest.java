package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.hypercall.Multicall;
import io.jxen.hypercall.transport.HypercallWire;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same guest code over the Unix-socket transport: first in this JVM (a guest talking to the
 * hypervisor through the socket and the shared memory file), then in a JVM of its own.
 * {@link Timeout}s only guard the build against a hang.
 */
class SocketTransportTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain domU;
    HypercallServer server;

    @BeforeEach
    void setUp() throws IOException {
        host = new TestHost(dir);
        dom0 = host.domain(16, 1);
        domU = host.domain(16, 2);
        server = new HypercallServer(host.hv, domU, dir.resolve("d" + domU.domid() + ".sock"));
    }

    @AfterEach
    void tearDown() {
        server.close();
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    @Timeout(60)
    void aGuestBehindTheSocketSeesTheSameHypervisor() throws IOException {
        try (RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket())) {
            assertThat(java.nio.file.Files.getPosixFilePermissions(server.socket()))
                    .as("only the owner may act as the domain")
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertThat(remote.domid()).isEqualTo(domU.domid());
            assertThat(remote.vcpus()).isEqualTo(2);
            assertThat(remote.startInfoGpa()).isEqualTo(host.hv.platform(domU.domid()).startInfoGpa());
            assertThat(remote.memory().getLong(remote.startInfoGpa() + 32)).as("nr_pages via the shared file").isEqualTo(16);

            TestHost.Guest g = new TestHost.Guest(domU, remote.hypercalls(0), remote.memory());
            GuestEvtchn e = new GuestEvtchn(g);
            long ipi = e.bindIpi(1);
            assertThat(ipi).isPositive();
            assertThat(e.send(ipi)).isZero();
            assertThat(domU.eventChannels().pending((int) ipi)).isTrue();
            assertThat(e.upcallPending(1)).isTrue();
            assertThat(e.close(4000)).isEqualTo(-XenErrno.EINVAL);
            assertThat(remote.hypercalls(1).hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1)).isZero();
            assertThat(remote.hypercalls(0).hypercall(99)).isEqualTo(-XenErrno.ENOSYS);
            long[] results = new long[2];
            assertThat(Multicall.run(remote.hypercalls(0), remote.memory(), TestHost.Guest.LIST, List.of(
                    new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0),
                    new Multicall.Call(Hypercall.SCHED_OP, SchedOp.YIELD, 0)), results)).isZero();
            assertThat(results).containsExactly(1, 0);
        }
    }

    /**
     * A hypercall from a thread whose interrupt flag is set (a bus giving up on a hung hook, an
     * executor shut down) is made, the flag is left for its owner, and the vCPU's connection
     * stays: a socket channel closes itself when an interrupted thread does I/O on it, which
     * would leave every later hypercall of that vCPU answering -ESRCH, as for a dead domain.
     */
    @Test
    @Timeout(60)
    void aHypercallFromAnInterruptedThreadLeavesTheConnectionOpen() throws IOException {
        try (RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket())) {
            Thread.currentThread().interrupt();
            try {
                assertThat(remote.hypercalls(0).hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0)).isEqualTo(1);
                assertThat(Thread.currentThread().isInterrupted()).as("the flag is the caller's").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(remote.hypercalls(0).hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0)).isEqualTo(1);
        }
    }

    /** An interdomain channel from dom0 to the remote domU's vCPU 0, its upcall state cleared. */
    private record Channel(GuestEvtchn dom0, long port0, GuestEvtchn domU, long portU) {
    }

    private Channel interdomainChannel(RemoteGuestPlatform remote) {
        GuestEvtchn e0 = new GuestEvtchn(host.guest(dom0));
        long port0 = e0.allocUnbound(DomId.SELF, domU.domid());
        GuestEvtchn eu = new GuestEvtchn(new TestHost.Guest(domU, remote.hypercalls(0), remote.memory()));
        long portU = eu.bindInterdomain(dom0.domid(), port0);
        eu.clearPending(portU);
        eu.clearUpcallPending(0);
        eu.clearPendingSel(0); // a guest that leaves the selector set gets no new upcall
        return new Channel(e0, port0, eu, portU);
    }

    /**
     * A thread that makes vCPU 0's SCHEDOP_block over {@code remote} (its result into
     * {@code rc}, then {@code after} on that thread), returned once the hypervisor has it blocked.
     */
    private Thread blockedVcpu(RemoteGuestPlatform remote, AtomicLong rc, Runnable after) {
        Thread vcpu = Thread.ofPlatform().daemon().start(() -> {
            rc.set(remote.hypercalls(0).hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0));
            after.run();
        });
        while (host.hv.waitingVcpus() == 0 && vcpu.isAlive()) {
            Thread.onSpinWait();
        }
        return vcpu;
    }

    /**
     * An interrupt that lands while the call waits for its result (the vCPU blocked in
     * SCHEDOP_block) leaves the call alone: it returns when the event comes, with the flag
     * still set for its owner, and the vCPU's next call still reaches the hypervisor. Over a
     * socket channel the interrupt closed the connection and both answered -ESRCH.
     */
    @Test
    @Timeout(60)
    void anInterruptDuringABlockedHypercallLeavesTheCallAndTheConnection() throws Exception {
        try (RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket())) {
            Channel c = interdomainChannel(remote);
            AtomicLong rc = new AtomicLong(-1);
            java.util.concurrent.atomic.AtomicBoolean flagAfter = new java.util.concurrent.atomic.AtomicBoolean();
            Thread vcpu = blockedVcpu(remote, rc, () -> flagAfter.set(Thread.currentThread().isInterrupted()));
            // The hypervisor blocks the vCPU: the guest thread waits in its read for the RESULT.
            vcpu.interrupt();
            assertThat(host.hv.waitingVcpus()).as("the interrupt is the guest thread's, not the vCPU's").isEqualTo(1);
            c.dom0().send(c.port0());
            vcpu.join();
            assertThat(rc.get()).as("the blocked call's own result").isZero();
            assertThat(flagAfter.get()).as("the flag is left for its owner").isTrue();
            assertThat(remote.hypercalls(0).hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0))
                    .as("the vCPU's connection is still there").isEqualTo(1);
        }
    }

    /** Closing the platform ends a call blocked in the hypervisor, as the hypervisor going away does. */
    @Test
    @Timeout(60)
    void closingTheRemotePlatformEndsABlockedCall() throws Exception {
        RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket());
        AtomicLong rc = new AtomicLong(1);
        Thread vcpu = blockedVcpu(remote, rc, () -> { });
        remote.close();
        vcpu.join();
        assertThat(rc.get()).isEqualTo(-XenErrno.ESRCH);
        assertThat(remote.hypercalls(0).hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0)).isEqualTo(-XenErrno.ESRCH);
    }

    @Test
    @Timeout(60)
    void aRemoteVcpuBlocksUntilAnInProcessDomainSignalsIt() throws Exception {
        try (RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket())) {
            Channel c = interdomainChannel(remote);
            AtomicLong rc = new AtomicLong(-1);
            Thread vcpu = blockedVcpu(remote, rc, () -> { });
            c.dom0().send(c.port0());
            vcpu.join();
            assertThat(rc.get()).isZero();
            assertThat(c.domU().pending(c.portU())).isTrue();
        }
    }

    @Test
    @Timeout(60)
    void aRemoteVcpuIdleOutsideHypercallsIsWokenByItsDoorbell() throws Exception {
        try (RemoteGuestPlatform remote = RemoteGuestPlatform.connect(server.socket())) {
            assertDoorbellWakes(remote);
        }
    }

    @Test
    @Timeout(60)
    void anInProcessVcpuHasTheSameDoorbell() throws Exception {
        assertDoorbellWakes(host.hv.platform(domU.domid()));
    }

    private void assertDoorbellWakes(io.jxen.hypercall.GuestPlatform platform) throws Exception {
        TestHost.Guest g = new TestHost.Guest(domU, platform.hypercalls(1), platform.memory());
        GuestEvtchn e = new GuestEvtchn(g);
        long ipi = e.bindIpi(1);
        var bell = platform.doorbell(1);
        AtomicLong woke = new AtomicLong();
        Thread idle = Thread.ofPlatform().daemon().start(() -> {
            int seen = bell.rings();
            while (!e.upcallPending(1)) {
                seen = bell.await(seen, -1);
            }
            woke.set(1);
        });
        var page = host.memory.frame(host.hv.doorbellMfn(domU.domid()));
        while (page.get(java.lang.foreign.ValueLayout.JAVA_INT, 8 + 4) == 0 && idle.isAlive()) {
            Thread.onSpinWait(); // until vCPU 1's sleeper count shows it inside the futex wait
        }
        new GuestEvtchn(host.hv.hypercalls(domU.domid(), 0), g).send(ipi);
        idle.join();
        assertThat(woke.get()).isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void aConnectionThatBindsNoVcpuOfTheDomainIsDropped() throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(server.socket()));
            ByteBuffer hello = HypercallWire.buffer(HypercallWire.HELLO_SIZE);
            HypercallWire.readFully(channel, hello);
            assertThat(hello.getInt(0)).isEqualTo(HypercallWire.MAGIC);
            HypercallWire.readFully(channel, ByteBuffer.allocate(hello.getInt(12)));
            ByteBuffer bind = HypercallWire.buffer(HypercallWire.BIND_SIZE);
            bind.putInt(7).putInt(0).flip();
            HypercallWire.writeFully(channel, bind);
            assertThat(channel.read(ByteBuffer.allocate(1))).as("closed by the server").isEqualTo(-1);
        }
    }

    /**
     * A peer that dies at any point of the protocol (before the hello is read, after it, half a
     * bind, a bind, half a call frame, a whole call frame whose result it never reads) costs its
     * connection only: none is left, no internal error, and a guest connecting afterwards is
     * served.
     */
    @Test
    @Timeout(60)
    void aPeerThatDiesMidFrameLeavesNoConnectionBehind() throws IOException {
        for (int cut = 0; cut <= 5; cut++) {
            long acceptedBefore = server.acceptedCount();
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(server.socket()));
                if (cut >= 1) {
                    ByteBuffer hello = HypercallWire.buffer(HypercallWire.HELLO_SIZE);
                    HypercallWire.readFully(channel, hello);
                    HypercallWire.readFully(channel, ByteBuffer.allocate(hello.getInt(12)));
                }
                if (cut == 2) {
                    HypercallWire.writeFully(channel, HypercallWire.buffer(3).put(new byte[3]).flip());
                }
                if (cut >= 3) {
                    HypercallWire.writeFully(channel, HypercallWire.buffer(HypercallWire.BIND_SIZE).putInt(1).putInt(0).flip());
                }
                if (cut == 4) {
                    HypercallWire.writeFully(channel, HypercallWire.buffer(20).putInt(Hypercall.XEN_VERSION).flip()
                            .limit(20));
                }
                if (cut == 5) {
                    ByteBuffer call = HypercallWire.buffer(HypercallWire.CALL_SIZE);
                    call.putInt(0, Hypercall.XEN_VERSION);
                    HypercallWire.writeFully(channel, call);
                }
            } // closed here, as by the peer's death
            // The server may not have accepted the connection yet when the peer is gone (step 0
            // closes at once): wait for the accept first, or 0 connections proves nothing.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((server.acceptedCount() == acceptedBefore || server.connectionCount() != 0)
                    && System.nanoTime() - end < 0) {
                Thread.onSpinWait();
                Thread.yield();
            }
            assertThat(server.acceptedCount()).as("accepted the peer of step %d", cut).isGreaterThan(acceptedBefore);
            assertThat(server.connectionCount()).as("connections left after a peer died at step %d", cut).isZero();
        }
        try (RemoteGuestPlatform platform = RemoteGuestPlatform.connect(server.socket())) {
            assertThat(platform.hypercalls(0).hypercall(Hypercall.XEN_VERSION, 0, 0, 0, 0, 0)).isPositive();
        }
        assertThat(host.hv.internalErrors()).isZero();
        assertThat(domU.shutdownReason()).as("a guest process going away is no crash unless asked").isNull();
    }

    /**
     * With {@link HypercallServer#crashWhenAbandoned()}, the domain crashes when the last vCPU
     * connection of its process goes (the process died); connections that never bound a vCPU do
     * not count, and a server closing its connections crashes nothing.
     */
    @Test
    @Timeout(60)
    void aDomainWhoseProcessDiesCrashesWhenAsked() throws IOException {
        server.crashWhenAbandoned();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(server.socket()));
        }
        RemoteGuestPlatform platform = RemoteGuestPlatform.connect(server.socket());
        assertThat(platform.hypercalls(0).hypercall(Hypercall.XEN_VERSION, 0, 0, 0, 0, 0)).isPositive();
        assertThat(platform.hypercalls(1).hypercall(Hypercall.XEN_VERSION, 0, 0, 0, 0, 0)).isPositive();
        assertThat(domU.shutdownReason()).isNull();
        platform.close(); // both vCPUs' connections go, as with kill -9
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (domU.shutdownReason() == null && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(domU.shutdownReason()).isEqualTo(ShutdownReason.CRASH);
    }

    /**
     * A guest in its own JVM: binds to dom0, notifies, sleeps on its doorbell (a futex shared
     * across the JVMs) until the answer, writes to its memory, powers off.
     */
    @Test
    @Timeout(120)
    void aGuestInItsOwnJvm() throws Exception {
        GuestEvtchn e0 = new GuestEvtchn(host.guest(dom0));
        long port0 = e0.allocUnbound(DomId.SELF, domU.domid());
        Path log = dir.resolve("guest.log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RemoteGuestMain.class.getName());
        command.add(server.socket().toString());
        command.add(Long.toString(port0));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // dom0's vCPU sleeps on its doorbell until the guest's first notification arrives;
            // the bounded wait only lets it notice a guest that died instead
            var bell = host.hv.platform(dom0.domid()).doorbell(0);
            int seen = bell.rings();
            while (!e0.pending(port0)) {
                assertThat(child.isAlive()).as("guest died early: %s", log).isTrue();
                e0.clearUpcallPending(0);
                e0.clearPendingSel(0);
                if (!e0.pending(port0)) {
                    seen = bell.await(seen, 100_000_000L);
                }
            }
            assertThat(e0.send(port0)).isZero();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("guest exited").isTrue();
            assertThat(child.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            child.destroyForcibly();
        }
        assertThat(domU.shutdownReason()).isEqualTo(ShutdownReason.POWEROFF);
        assertThat(host.guest(domU).mem().getLong(5L << 12)).as("written by the other JVM").isEqualTo(RemoteGuestMain.MARK);
    }
}
