package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.sched.SchedPollDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.EventUpcall;
import io.jxen.hypercall.InterruptLine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.EPERM;
import static io.jxen.abi.XenErrno.ESRCH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The interrupt line (vcpu_info's upcall flags, the vCPU hook, the guest's unmask-then-check)
 * and SCHEDOP block, poll and shutdown. Tests that wait for another thread use a
 * {@link Timeout} only as a guard against hanging the build, never as an assertion.
 */
class UpcallAndSchedTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain d;
    TestHost.Guest g;
    GuestEvtchn e;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        dom0 = host.domain(16, 1);
        d = host.domain(16, 2);
        g = host.guest(d);
        e = new GuestEvtchn(g);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    EventUpcall line(int vcpu) {
        return new EventUpcall(g.mem().page(d.sharedInfoGfn())
                .asSlice(SharedInfoDescriptor.VCPU_INFO_OFFSET + (long) vcpu * VcpuInfoDescriptor.SIZE,
                        VcpuInfoDescriptor.SIZE));
    }

    @Test
    void theHookFiresOnceperEdgeAndTheGuestTakesTheUpcallWithEventsMasked() {
        AtomicInteger kicks = new AtomicInteger();
        d.vcpu(1).onUpcall(kicks::incrementAndGet);
        long ipi = e.bindIpi(1);
        EventUpcall line = line(1);
        assertThat(line.asserted()).isFalse();
        e.send(ipi);
        e.send(ipi);
        assertThat(kicks.get()).isEqualTo(1);
        assertThat(line.asserted()).isTrue();

        AtomicInteger handled = new AtomicInteger();
        Runnable handler = () -> {
            assertThat(line.asserted()).as("masked inside the handler").isFalse();
            e.clearUpcallPending(1);
            e.clearPendingSel(1);
            e.clearPending(ipi);
            handled.incrementAndGet();
        };
        assertThat(line.poll(handler)).isEqualTo(1);
        assertThat(handled.get()).isEqualTo(1);
        assertThat(line.poll(handler)).isZero();

        line.mask();
        e.send(ipi);
        assertThat(kicks.get()).isEqualTo(2);
        assertThat(line.poll(handler)).as("masked: nothing delivered").isZero();
        assertThat(line.unmask(handler)).as("unmask, then check").isEqualTo(1);
    }

    @Test
    void blockReturnsAtOnceWithAnUpcallPendingAndClearsTheMask() {
        long ipi = e.bindIpi(0);
        e.send(ipi);
        line(0).mask();
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0)).isZero();
        assertThat(line(0).asserted()).as("block re-enabled event delivery").isTrue();
    }

    @Test
    @Timeout(60)
    void aBlockedVcpuWakesWhenAnotherDomainSendsToIt() throws InterruptedException {
        long theirs = e.allocUnbound(DomId.SELF, dom0.domid());
        GuestEvtchn e0 = new GuestEvtchn(host.guest(dom0));
        long mine = e0.bindInterdomain(d.domid(), theirs);
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = Thread.ofPlatform().daemon()
                .start(() -> rc.set(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0)));
        while (host.hv.waitingVcpus() == 0 && vcpu.isAlive()) {
            Thread.onSpinWait();
        }
        e0.send(mine);
        vcpu.join();
        assertThat(rc.get()).isZero();
        assertThat(e.pending(theirs)).isTrue();
    }

    @Test
    @Timeout(60)
    void aThreadWaitingOnTheLineTakesTheUpcallWhileTheBlockedIdleThreadSleepsOn() throws InterruptedException {
        long ipi = e.bindIpi(0);
        InterruptLine line = d.vcpu(0).interruptLine();
        AtomicLong rc = new AtomicLong(-1);
        Thread idle = Thread.ofPlatform().daemon()
                .start(() -> rc.set(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0)));
        while (host.hv.waitingVcpus() == 0 && idle.isAlive()) {
            Thread.onSpinWait();
        }
        assertThat(line.attach()).isTrue();
        java.util.concurrent.atomic.AtomicBoolean other = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread second = Thread.ofPlatform().start(() -> other.set(line.attach()));
        second.join();
        assertThat(other.get()).as("a second thread is refused").isFalse();
        long wakesBefore = d.vcpu(0).wakes();
        new GuestEvtchn(host.hv.hypercalls(d.domid(), 1), g).send(ipi);
        assertThat(line(0).asserted()).isTrue();
        assertThat(line.taken()).as("the waiter was offered the upcall").isEqualTo(1);
        assertThat(d.vcpu(0).wakes()).as("the idle thread was not woken").isEqualTo(wakesBefore);
        assertThat(d.vcpu(0).blocked()).isTrue();

        // The waiter leaves without delivering (as one that finds the vCPU taken): it hands the
        // upcall back and the idle thread wakes for it.
        line.detach();
        assertThat(line.attached()).isFalse();
        line.wakeIdle();
        idle.join();
        assertThat(rc.get()).isZero();
        assertThat(d.vcpu(0).wakes()).isEqualTo(wakesBefore + 1);
    }

    @Test
    @Timeout(60)
    void withNobodyOnTheLineOrAVcpuInPollTheIdleThreadIsWokenAsBefore() throws InterruptedException {
        long ipi = e.bindIpi(1);
        InterruptLine line = d.vcpu(1).interruptLine();
        assertThat(line.raise()).as("nobody waits").isFalse();
        AtomicLong rc = new AtomicLong(-1);
        Thread poller = Thread.ofPlatform().daemon().start(() -> rc.set(poll(new long[] {ipi}, 0)));
        while (host.hv.waitingVcpus() == 0 && poller.isAlive()) {
            Thread.onSpinWait();
        }
        assertThat(line.attach()).isTrue();
        new GuestEvtchn(host.hv.hypercalls(d.domid(), 1), g).send(ipi);
        poller.join(); // SCHEDOP_poll waits for its port, not for an upcall: woken all the same
        assertThat(rc.get()).isZero();
        line.detach();
    }

    long poll(long[] ports, long timeout) {
        long list = TestHost.Guest.LIST;
        for (int i = 0; i < ports.length; i++) {
            g.mem().putInt(list + 4L * i, (int) ports[i]);
        }
        g.mem().putLong(TestHost.Guest.ARG + SchedPollDescriptor.PORTS_OFFSET, list);
        g.mem().putInt(TestHost.Guest.ARG + SchedPollDescriptor.NR_PORTS_OFFSET, ports.length);
        g.mem().putLong(TestHost.Guest.ARG + SchedPollDescriptor.TIMEOUT_OFFSET, timeout);
        return g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.POLL, TestHost.Guest.ARG);
    }

    @Test
    void pollReturnsForAPendingEvenMaskedPortAndChecksItsArguments() {
        long ipi = e.bindIpi(0);
        e.setMask(ipi, true);
        e.send(ipi);
        assertThat(poll(new long[] {5, ipi}, 0)).isZero();
        assertThat(poll(new long[129], 0)).isEqualTo(-EINVAL);
        assertThat(poll(new long[] {4096}, 0)).isEqualTo(-EINVAL);
        g.mem().putLong(TestHost.Guest.ARG + SchedPollDescriptor.PORTS_OFFSET, 30L << 12);
        g.mem().putInt(TestHost.Guest.ARG + SchedPollDescriptor.NR_PORTS_OFFSET, 1);
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.POLL, TestHost.Guest.ARG)).isEqualTo(-EFAULT);
    }

    @Test
    void aPollWhoseTimeoutHasPassedReturnsAtOnce() {
        long ipi = e.bindIpi(0);
        assertThat(host.hv.systemTime()).isZero();
        ((io.jxen.sim.VirtualClock) host.hv.clock()).advance(1_000);
        assertThat(poll(new long[] {ipi}, 500)).isZero();
    }

    @Test
    @Timeout(60)
    void aPollingVcpuWakesWhenItsPortBecomesPending() throws InterruptedException {
        long ipi = e.bindIpi(1);
        e.setMask(ipi, true);
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = Thread.ofPlatform().daemon().start(() -> rc.set(poll(new long[] {ipi}, 0)));
        while (host.hv.waitingVcpus() == 0 && vcpu.isAlive()) {
            Thread.onSpinWait();
        }
        host.hv.hypercalls(d.domid(), 1).hypercall(Hypercall.SCHED_OP, SchedOp.YIELD, 0);
        assertThat(vcpu.isAlive()).isTrue();
        new GuestEvtchn(host.hv.hypercalls(d.domid(), 1), g).send(ipi);
        vcpu.join();
        assertThat(rc.get()).isZero();
    }

    @Test
    void remoteShutdownIsForTheControlDomain() {
        TestHost.Guest g0 = host.guest(dom0);
        g.mem().putShort(TestHost.Guest.ARG, (short) dom0.domid());
        g.mem().putInt(TestHost.Guest.ARG + 4, io.jxen.abi.sched.ShutdownReason.REBOOT);
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.REMOTE_SHUTDOWN, TestHost.Guest.ARG)).isEqualTo(-EPERM);
        g0.mem().putShort(TestHost.Guest.ARG, (short) 42);
        g0.mem().putInt(TestHost.Guest.ARG + 4, io.jxen.abi.sched.ShutdownReason.REBOOT);
        assertThat(g0.hc().hypercall(Hypercall.SCHED_OP, SchedOp.REMOTE_SHUTDOWN, TestHost.Guest.ARG))
                .isEqualTo(-ESRCH);
        g0.mem().putShort(TestHost.Guest.ARG, (short) d.domid());
        assertThat(g0.hc().hypercall(Hypercall.SCHED_OP, SchedOp.REMOTE_SHUTDOWN, TestHost.Guest.ARG)).isZero();
        assertThat(d.shutdownReason()).isEqualTo(io.jxen.hv.domain.ShutdownReason.REBOOT);
        g.mem().putInt(TestHost.Guest.ARG, 77);
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, TestHost.Guest.ARG)).isEqualTo(-EINVAL);
    }
}
