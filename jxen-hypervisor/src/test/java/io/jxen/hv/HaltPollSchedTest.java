package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.sched.SchedPollDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.runtime.HaltPoll;
import io.jxen.runtime.SpareCore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SCHEDOP_block and SCHEDOP_poll with halt-polling on: the vCPU polls with the hypervisor lock
 * released and takes the event without sleeping, and every wake-up of a sleeper (an event, a
 * polled port, the domain's destruction) also ends a poll. The policy's clock advances one
 * nanosecond per read and its window's start value is unbounded, so after one short halt the
 * window stays open until the wake-up: which path a halt took does not depend on timing.
 * The {@link Timeout}s only guard the build against a hang.
 */
@Timeout(60)
class HaltPollSchedTest {

    private static final long ENDLESS = Long.MAX_VALUE / 4;

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain d;
    TestHost.Guest g;
    GuestEvtchn e;
    GuestEvtchn e0;
    final AtomicLong ticks = new AtomicLong();

    @BeforeEach
    void setUp() {
        HaltPoll haltPoll = new HaltPoll(new HaltPoll.Config(ENDLESS, ENDLESS, 2, 2), SpareCore.fixed(true),
                ticks::incrementAndGet);
        host = new TestHost(dir, haltPoll);
        dom0 = host.domain(16, 1);
        d = host.domain(16, 2);
        g = host.guest(d);
        e = new GuestEvtchn(g);
        e0 = new GuestEvtchn(host.guest(dom0));
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    /** A block that returns at once (an upcall is pending) is a short halt: the window opens. */
    private void openWindow(long port) {
        e0.send(port);
        assertThat(block()).isZero();
        e.clearUpcallPending(0);
        e.clearPendingSel(0);
        assertThat(d.vcpu(0).haltPollWindow().nanos()).isEqualTo(ENDLESS);
    }

    private long block() {
        return g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0);
    }

    private long interdomainPort(long[] theirs) {
        theirs[0] = e.allocUnbound(DomId.SELF, dom0.domid());
        return e0.bindInterdomain(d.domid(), theirs[0]);
    }

    private Thread vcpuThread(Runnable body) {
        Thread t = Thread.ofPlatform().daemon().start(body);
        while (host.hv.waitingVcpus() == 0 && t.isAlive()) {
            Thread.onSpinWait();
        }
        return t;
    }

    @Test
    void aBlockedVcpuTakesTheEventWhilePollingWithTheLockReleased() throws InterruptedException {
        long[] theirs = new long[1];
        long mine = interdomainPort(theirs);
        e.clearPending(theirs[0]);
        openWindow(mine);
        e.clearPending(theirs[0]);
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = vcpuThread(() -> rc.set(block()));
        // The lock is free while the vCPU polls: the sender's hypercall does not wait for it.
        assertThat(host.hv.waitingVcpus()).isEqualTo(1);
        e0.send(mine);
        vcpu.join();
        assertThat(rc.get()).isZero();
        assertThat(e.pending(theirs[0])).isTrue();
        assertThat(d.vcpu(0).haltPollWindow().polled()).as("caught by the poll").isEqualTo(1);
        assertThat(d.vcpu(0).haltPollWindow().slept()).as("never slept").isZero();
        assertThat(host.hv.waitingVcpus()).isZero();
    }

    @Test
    void aPollingVcpuTakesItsPortWhilePolling() throws InterruptedException {
        long[] theirs = new long[1];
        long mine = interdomainPort(theirs);
        e.clearPending(theirs[0]);
        openWindow(mine);
        e.clearPending(theirs[0]);
        e.setMask(theirs[0], true);
        long list = TestHost.Guest.LIST;
        g.mem().putInt(list, (int) theirs[0]);
        g.mem().putLong(TestHost.Guest.ARG + SchedPollDescriptor.PORTS_OFFSET, list);
        g.mem().putInt(TestHost.Guest.ARG + SchedPollDescriptor.NR_PORTS_OFFSET, 1);
        g.mem().putLong(TestHost.Guest.ARG + SchedPollDescriptor.TIMEOUT_OFFSET, 0);
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = vcpuThread(() -> rc.set(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.POLL, TestHost.Guest.ARG)));
        e0.send(mine);
        vcpu.join();
        assertThat(rc.get()).isZero();
        assertThat(e.pending(theirs[0])).isTrue();
        assertThat(d.vcpu(0).haltPollWindow().polled()).isEqualTo(1);
        assertThat(d.vcpu(0).haltPollWindow().slept()).isZero();
    }

    @Test
    void destroyingTheDomainEndsAPollAndShrinksTheWindow() throws InterruptedException {
        long[] theirs = new long[1];
        long mine = interdomainPort(theirs);
        e.clearPending(theirs[0]);
        openWindow(mine);
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = vcpuThread(() -> rc.set(block()));
        host.hv.destroyDomain(d.domid());
        vcpu.join();
        assertThat(rc.get()).isZero();
        assertThat(d.vcpu(0).haltPollWindow().nanos()).as("a wake-up for no event shrinks it, here below the start value: closed")
                .isZero();
    }

    @Test
    void aWakeUpOfAnotherVcpuOnlyResumesThePoll() throws InterruptedException {
        long[] theirs = new long[1];
        long mine = interdomainPort(theirs);
        e.clearPending(theirs[0]);
        openWindow(mine);
        e.clearPending(theirs[0]);
        long ipi = e.bindIpi(1);
        // vCPU 1 blocks too: each vCPU sleeps on its own condition, so its wake-up is a signal
        // vCPU 0's poll sees (the lock's signal count) without being its event.
        io.jxen.hypercall.Hypercalls vcpu1 = host.platform(d).hypercalls(1);
        Thread other = Thread.ofPlatform().daemon().start(() -> vcpu1.hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0));
        while (host.hv.waitingVcpus() == 0 && other.isAlive()) {
            Thread.onSpinWait();
        }
        AtomicLong rc = new AtomicLong(-1);
        Thread vcpu = Thread.ofPlatform().daemon().start(() -> rc.set(block()));
        while (host.hv.waitingVcpus() < 2 && vcpu.isAlive()) {
            Thread.onSpinWait();
        }
        e.send(ipi);
        other.join();
        long polledAfterIpi;
        do {
            polledAfterIpi = d.vcpu(0).haltPollWindow().polled();
            Thread.onSpinWait();
        } while (polledAfterIpi == 0 && vcpu.isAlive());
        assertThat(vcpu.isAlive()).as("vCPU 0 still waits for its own event").isTrue();
        e0.send(mine);
        vcpu.join();
        assertThat(rc.get()).isZero();
        // Its own event ends a second poll, or, sent while the vCPU re-took the lock after the
        // IPI's poll, is found by the re-check under the lock before a second poll starts (a
        // CI run under load saw 1): either way it never slept.
        assertThat(d.vcpu(0).haltPollWindow().polled()).isBetween(1L, 2L);
        assertThat(d.vcpu(0).haltPollWindow().slept()).isZero();
    }
}
