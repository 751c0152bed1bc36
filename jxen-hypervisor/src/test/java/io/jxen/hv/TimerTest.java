package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.vcpu.Runstate;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EACCES;
import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EPERM;
import static io.jxen.abi.XenErrno.ETIME;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Time wired into the hypervisor, seen by a guest that has only its hypercalls and its memory:
 * VIRQ_TIMER from single-shot, periodic and set_timer_op timers at the right virtual time,
 * pvclock in vcpu_info (also after vcpu_info moves), the wallclock in shared_info, settime,
 * and the schedule hooks following block, pause and vCPU up/down. Deterministic: a
 * {@link io.jxen.sim.VirtualClock} and the timer agent stepped by the test.
 */
class TimerTest {

    static final long MS = 1_000_000L;

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain d;
    TestHost.Guest g;
    GuestEvtchn e;

    boolean overSocket() {
        return false;
    }

    /** The host under test: host time from the recording double; subclasses swap in real time. */
    TestHost newHost() {
        return new TestHost(dir, overSocket(), true);
    }

    @BeforeEach
    void setUp() {
        host = newHost();
        dom0 = host.domain(16, 1);
        d = host.domain(16, 2);
        host.hv.unpause(d.domid());
        g = host.guest(d);
        e = new GuestEvtchn(g);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    Hypercalls hc(int vcpu) {
        return host.platform(d).hypercalls(vcpu);
    }

    long singleshot(Hypercalls hc, int vcpu, long deadline, int flags) {
        GuestPhysicalMemory mem = g.mem();
        mem.putLong(TestHost.Guest.ARG, deadline);
        mem.putInt(TestHost.Guest.ARG + 8, flags);
        return hc.hypercall(Hypercall.VCPU_OP, VcpuOp.SET_SINGLESHOT_TIMER, vcpu, TestHost.Guest.ARG);
    }

    long periodic(int vcpu, long period) {
        g.mem().putLong(TestHost.Guest.ARG, period);
        return g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.SET_PERIODIC_TIMER, vcpu, TestHost.Guest.ARG);
    }

    /** Advances virtual time to {@code t} and steps the hypervisor's agents. */
    void runTo(long t) throws Exception {
        long now = host.hv.systemTime();
        if (t > now) {
            host.clock.advance(t - now);
        }
        for (var agent : host.hv.agents()) {
            agent.doWork();
        }
    }

    long systemTimeFromVcpuInfo(int vcpu) {
        long base = (d.sharedInfoGfn() << XenPage.SHIFT) + SharedInfoDescriptor.VCPU_INFO_OFFSET
                + (long) vcpu * VcpuInfoDescriptor.SIZE + VcpuInfoDescriptor.TIME_OFFSET;
        return readPvclock(base);
    }

    long readPvclock(long gpa) {
        while (true) {
            int v1 = g.mem().getInt(gpa + VcpuTimeInfoDescriptor.VERSION_OFFSET);
            long t = g.mem().getLong(gpa + VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET);
            int v2 = g.mem().getInt(gpa + VcpuTimeInfoDescriptor.VERSION_OFFSET);
            if ((v1 & 1) == 0 && v1 == v2) {
                return t;
            }
        }
    }

    @Test
    void aSingleshotTimerRaisesVirqTimerAtItsDeadlineAndNotBefore() throws Exception {
        long port = e.bindVirq(Virq.TIMER, 0);
        long now = host.hv.systemTime();
        assertThat(singleshot(g.hc(), 0, now + 5 * MS, VcpuSingleshotFlags.FUTURE)).isZero();
        runTo(now + 5 * MS - 1);
        assertThat(e.pending(port)).isFalse();
        runTo(now + 5 * MS);
        assertThat(e.pending(port)).isTrue();
        assertThat(e.upcallPending(0)).isTrue();
    }

    @Test
    void theEventGoesToTheVcpuWhoseTimerFired() throws Exception {
        long p0 = e.bindVirq(Virq.TIMER, 0);
        long p1 = e.bindVirq(Virq.TIMER, 1);
        long now = host.hv.systemTime();
        assertThat(singleshot(hc(1), 1, now + MS, 0)).isZero();
        runTo(now + MS);
        assertThat(e.pending(p1)).isTrue();
        assertThat(e.pending(p0)).isFalse();
    }

    @Test
    void aPastDeadlineWithTheFutureFlagIsEtimeAndWithoutItFiresAtOnce() throws Exception {
        long port = e.bindVirq(Virq.TIMER, 0);
        runTo(10 * MS);
        assertThat(singleshot(g.hc(), 0, 5 * MS, VcpuSingleshotFlags.FUTURE)).isEqualTo(-ETIME);
        runTo(10 * MS);
        assertThat(e.pending(port)).isFalse();
        assertThat(singleshot(g.hc(), 0, 5 * MS, 0)).isZero();
        runTo(10 * MS);
        assertThat(e.pending(port)).isTrue();
    }

    @Test
    void singleshotOpsOnAnotherVcpuAreEinvalAsIn417() {
        assertThat(singleshot(g.hc(), 1, 1_000 * MS, 0)).isEqualTo(-EINVAL);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_SINGLESHOT_TIMER, 1, 0)).isEqualTo(-EINVAL);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_SINGLESHOT_TIMER, 0, 0)).isZero();
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.SET_SINGLESHOT_TIMER, 0, 0xFFFF_F000L)).isEqualTo(-EFAULT);
    }

    @Test
    void aStoppedSingleshotDoesNotFire() throws Exception {
        long port = e.bindVirq(Virq.TIMER, 0);
        assertThat(singleshot(g.hc(), 0, 2 * MS, 0)).isZero();
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_SINGLESHOT_TIMER, 0, 0)).isZero();
        runTo(3 * MS);
        assertThat(e.pending(port)).isFalse();
    }

    @Test
    void periodicTimersUnderOneMillisecondAreEinvalAndOthersTick() throws Exception {
        long port = e.bindVirq(Virq.TIMER, 1);
        assertThat(periodic(1, MS - 1)).isEqualTo(-EINVAL);
        assertThat(periodic(1, 0)).isEqualTo(-EINVAL);
        g.initialiseVcpu(1);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1, 0)).isZero();
        assertThat(periodic(1, 2 * MS)).as("another vCPU's periodic timer may be set").isZero();
        long start = host.hv.systemTime();
        runTo(start + 2 * MS);
        assertThat(e.pending(port)).isTrue();
        e.clearPending(port);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_PERIODIC_TIMER, 1, 0)).isZero();
        runTo(start + 10 * MS);
        assertThat(e.pending(port)).isFalse();
    }

    @Test
    void setTimerOpArmsTheCallersSingleshot() throws Exception {
        long port = e.bindVirq(Virq.TIMER, 0);
        long now = host.hv.systemTime();
        assertThat(g.hc().hypercall(Hypercall.SET_TIMER_OP, now + 3 * MS)).isZero();
        runTo(now + 3 * MS);
        assertThat(e.pending(port)).isTrue();
    }

    @Test
    void pvclockInVcpuInfoIsMonotonicAndFollowsVirtualTime() throws Exception {
        long t0 = systemTimeFromVcpuInfo(0);
        runTo(7 * MS);
        long t1 = systemTimeFromVcpuInfo(0);
        runTo(8 * MS);
        long t2 = systemTimeFromVcpuInfo(0);
        assertThat(t0).isLessThanOrEqualTo(t1);
        assertThat(t1).isEqualTo(7 * MS);
        assertThat(t2).isEqualTo(8 * MS);
    }

    @Test
    void afterRegisterVcpuInfoTheTimeIsPublishedAtTheNewPlace() throws Exception {
        long gpa = 3L << XenPage.SHIFT;
        g.mem().putLong(TestHost.Guest.ARG, 3);
        g.mem().putInt(TestHost.Guest.ARG + 8, 64);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_INFO, 0, TestHost.Guest.ARG)).isZero();
        runTo(4 * MS);
        assertThat(readPvclock(gpa + 64 + VcpuInfoDescriptor.TIME_OFFSET)).isEqualTo(4 * MS);
    }

    @Test
    void theWallclockIsInSharedInfoAndDom0CanSetIt() throws Exception {
        GuestPhysicalMemory mem = g.mem();
        long si = d.sharedInfoGfn() << XenPage.SHIFT;
        assertThat(mem.getInt(si + SharedInfoDescriptor.WC_VERSION_OFFSET) & 1).isZero();
        assertThat(Integer.toUnsignedLong(mem.getInt(si + SharedInfoDescriptor.WC_SEC_OFFSET))).isEqualTo(1_700_000_000L);

        TestHost.Guest g0 = host.guest(dom0);
        long arg = TestHost.Guest.ARG;
        g0.mem().zero(arg, io.jxen.abi.platform.XenPlatformOpDescriptor.SIZE);
        g0.mem().putInt(arg, io.jxen.abi.platform.PlatformOp.SETTIME64);
        g0.mem().putInt(arg + 4, io.jxen.abi.platform.PlatformOp.INTERFACE_VERSION);
        g0.mem().putLong(arg + 8, 2_000_000_000L);
        g0.mem().putLong(arg + 24, 0);
        assertThat(g0.hc().hypercall(Hypercall.PLATFORM_OP, arg)).isZero();
        assertThat(Integer.toUnsignedLong(mem.getInt(si + SharedInfoDescriptor.WC_SEC_OFFSET))).isEqualTo(2_000_000_000L);

        g0.mem().putInt(arg + 20, 1); // mbz
        assertThat(g0.hc().hypercall(Hypercall.PLATFORM_OP, arg)).isEqualTo(-EINVAL);
        g0.mem().putInt(arg + 20, 0);
        g0.mem().putInt(arg + 4, 0x03000000);
        assertThat(g0.hc().hypercall(Hypercall.PLATFORM_OP, arg)).isEqualTo(-EACCES);

        g.mem().zero(arg, io.jxen.abi.platform.XenPlatformOpDescriptor.SIZE);
        g.mem().putInt(arg, io.jxen.abi.platform.PlatformOp.SETTIME64);
        g.mem().putInt(arg + 4, io.jxen.abi.platform.PlatformOp.INTERFACE_VERSION);
        assertThat(g.hc().hypercall(Hypercall.PLATFORM_OP, arg)).as("domU").isEqualTo(-EPERM);
        g0.mem().putInt(arg, 9999);
        g0.mem().putInt(arg + 4, io.jxen.abi.platform.PlatformOp.INTERFACE_VERSION);
        assertThat(g0.hc().hypercall(Hypercall.PLATFORM_OP, arg)).isEqualTo(-ENOSYS);
    }

    @Test
    void pauseAndUnpauseDescheduleAndRescheduleRunningVcpus() {
        host.time.log.clear();
        host.hv.pause(d.domid());
        assertThat(host.time.log).containsExactly("deschedule v0");
        host.hv.unpause(d.domid());
        assertThat(host.time.log).containsExactly("deschedule v0", "schedule v0");
        assertThat(d.vcpu(0).runstate().state()).isEqualTo(Runstate.RUNNING);
        assertThat(d.vcpu(1).runstate().state()).as("down").isEqualTo(Runstate.OFFLINE);
    }

    @Test
    void aVcpuWhoseHypercallsComeFromAnotherHostThreadIsRestampedAsMoved() throws Exception {
        g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0);
        host.time.log.clear();
        g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0);
        assertThat(host.time.log).as("same thread").isEmpty();
        Thread other = Thread.ofPlatform().start(() -> g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0));
        other.join();
        if (!overSocket()) { // over the socket one server thread serves the vCPU whoever calls
            assertThat(host.time.log).containsExactly("schedule v0 moved");
        }
    }

    @Test
    void timerOpsWithoutHostTimeAreEnosys() throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir.resolve("plain"));
        try (TestHost plain = new TestHost(dir.resolve("plain"), false)) {
            Domain x = plain.domain(16, 1);
            TestHost.Guest gx = plain.guest(x);
            assertThat(gx.hc().hypercall(Hypercall.SET_TIMER_OP, 5)).isEqualTo(-ENOSYS);
            gx.mem().putLong(TestHost.Guest.ARG, 10 * MS);
            assertThat(gx.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.SET_PERIODIC_TIMER, 0, TestHost.Guest.ARG))
                    .isEqualTo(-ENOSYS);
        }
    }
}
