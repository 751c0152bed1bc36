package io.jxen.host.toolstack;

import io.jxen.host.control.XlList;
import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.xen.StartInfoFlyweight;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole host in one JVM, booting the shipped example config. */
class HostTest {

    @TempDir
    Path dir;

    /** examples/guest.cfg copied next to an image of its own. */
    Path example() throws Exception {
        Path cfg = dir.resolve("guest.cfg");
        Files.copy(Path.of("..", "examples", "guest.cfg"), cfg);
        Files.createFile(dir.resolve("guest.img"));
        return cfg;
    }

    @Test
    void dom0ExportsItsXenstorePageAndPortAndTheExampleGuestBoots() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), false))) {
            Domain dom0 = host.hypervisor().byId(0);
            StartInfoFlyweight si = new StartInfoFlyweight()
                    .wrap(host.hypervisor().platform(0).memory().page(dom0.startInfoGfn()), 0);
            assertThat(si.getStoreMfn()).isEqualTo(host.xsdMfn()).isLessThan(dom0.startInfoGfn());
            assertThat(si.getStoreEvtchn()).isEqualTo(host.xsdPort());
            // xenstored bound it (to dom0 itself) to serve dom0's ring.
            assertThat(dom0.eventChannels().state(host.xsdPort())).isEqualTo(ChannelState.INTERDOMAIN);
            assertThat(dom0.eventChannels().remoteDomid(host.xsdPort())).isZero();

            int domid = host.toolstack().create(GuestConfig.load(example()));
            assertThat(host.xenstore().read("/local/domain/" + domid + "/device/vbd/51712/virtual-device"))
                    .isEqualTo("51712");
            assertThat(host.xenstore().read("/local/domain/0/backend/vbd/" + domid + "/51712/params"))
                    .isEqualTo(dir.resolve("guest.img").toAbsolutePath().toString());
            // xl list as xl prints it: one vCPU of each up (a PV builder brings up vCPU 0 only),
            // both runnable; no time has passed on the virtual clock.
            assertThat(XlList.format(host.stats().domains())).isEqualTo(
                    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
                    + "Domain-0                                     0     1     1     r-----       0.0\n"
                    + "guest                                        1    16     1     r-----       0.0\n");
            assertThat(host.hypervisor().internalErrors()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void theLifecycleAgentAppliesOnPoweroffOnItsOwnThread() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            CountDownLatch destroyed = new CountDownLatch(1);
            host.toolstack().setLog(line -> {
                if (line.endsWith("destroyed")) {
                    destroyed.countDown();
                }
            });
            int domid = host.toolstack().create(GuestConfig.load(example()));
            var p = host.hypervisor().platform(domid);
            p.memory().putInt(0, ShutdownReason.POWEROFF.code());
            assertThat(p.hypercalls(0).hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, 0)).isZero();
            destroyed.await();
            assertThat(host.hypervisor().domids()).containsExactly(0);
            assertThat(host.xenstore().directory("/local/domain")).containsExactly("0");
        }
    }

    /**
     * The lifecycle agent parks up to 50 ms between looks (BackoffIdleStrategy.deadlines): the
     * toolstack wakes it when it queues a shutdown or a destruction.
     */
    @Test
    void theToolstackSaysWhenItQueuesALifecycleEvent() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), false))) {
            java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
            host.toolstack().setEventQueued(woken::incrementAndGet);
            int domid = host.toolstack().create(GuestConfig.load(example()));
            assertThat(woken).hasValue(0);
            var p = host.hypervisor().platform(domid);
            p.memory().putInt(0, ShutdownReason.POWEROFF.code());
            assertThat(p.hypercalls(0).hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, 0)).isZero();
            assertThat(woken).hasValue(1); // the shutdown
            // on_poweroff = destroy: the destruction queues an event too, handled in the same turn
            assertThat(host.toolstack().doWork()).isEqualTo(2);
            assertThat(woken).hasValue(2);
        }
    }

    @Test
    void closingTheHostDestroysItsGuests() throws Exception {
        Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), false));
        host.toolstack().create(GuestConfig.load(example()));
        host.close();
        assertThat(host.hypervisor().domids()).containsExactly(0);
        assertThat(Files.exists(dir.resolve("xenstored.sock"))).isFalse();
    }

    /**
     * A start that fails after dom0's threads began (here: the control socket's path is a
     * regular file, which the host refuses to delete) stops what it started: no vCPU thread of
     * dom0 outlives it.
     */
    @Test
    @Timeout(60)
    void aFailedStartStopsTheThreadsItStarted() throws Exception {
        Files.writeString(dir.resolve(Host.CONTROL_SOCKET), "not a socket");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true)))
                .isInstanceOf(java.io.IOException.class);
        // Thread.join in the closers has returned by now; the hang guard is the timeout.
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
                .extracting(Thread::getName).noneMatch(name -> name.equals("guest-d0-vcpu0"));
        assertThat(Files.readString(dir.resolve(Host.CONTROL_SOCKET))).isEqualTo("not a socket");
    }
}
