package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.vcpu.Runstate;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuRunstateInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.domain.VcpuContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EEXIST;
import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSPC;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SCHEDOP_watchdog and SCHEDOP_shutdown_code, VCPUOP_initialise and the runstate ops, with
 * Xen's answers (xen/common/sched/core.c, xen/common/domain.c); time is virtual.
 */
class SchedAndVcpuOpsTest {

    static final long S = 1_000_000_000L;
    static final long ARG = TestHost.Guest.ARG;

    @TempDir
    Path dir;
    TestHost host;
    Domain d;
    TestHost.Guest g;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, false, true);
        host.domain(16, 1);
        d = host.domain(16, 2);
        host.hv.unpause(d.domid());
        g = host.guest(d);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    long watchdog(long id, long timeout) {
        g.mem().putInt(ARG, (int) id);
        g.mem().putInt(ARG + 4, (int) timeout);
        return g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.WATCHDOG, ARG);
    }

    long shutdownOp(int cmd, int reason) {
        g.mem().putInt(ARG, reason);
        return g.hc().hypercall(Hypercall.SCHED_OP, cmd, ARG);
    }

    @Test
    void watchdogsAreCreatedUpToTwoKickedAndDestroyed() {
        assertThat(watchdog(0, 10)).isEqualTo(1);
        assertThat(watchdog(0, 10)).isEqualTo(2);
        assertThat(watchdog(0, 10)).isEqualTo(-ENOSPC);
        assertThat(watchdog(1, 20)).as("kick").isZero();
        assertThat(watchdog(2, 0)).as("destroy").isZero();
        assertThat(watchdog(2, 5)).as("no longer in use").isEqualTo(-EINVAL);
        assertThat(watchdog(3, 5)).isEqualTo(-EINVAL);
        assertThat(watchdog(0, 10)).as("slot 2 free again").isEqualTo(2);
        assertThat(d.watchdogs().inUse()).isEqualTo(2);
    }

    @Test
    void anExpiredWatchdogShutsTheDomainDownOnceAndAKickedOneDoesNot() {
        assertThat(watchdog(0, 10)).isEqualTo(1);
        host.clock.advance(9 * S);
        assertThat(host.hv.fireWatchdogs()).isZero();
        assertThat(watchdog(1, 10)).isZero(); // kicked at 9 s: due at 19 s
        host.clock.advance(9 * S);
        assertThat(host.hv.fireWatchdogs()).isZero();
        assertThat(d.shutdownReason()).isNull();
        host.clock.advance(S);
        assertThat(host.hv.fireWatchdogs()).isEqualTo(1);
        assertThat(d.shutdownReason()).isEqualTo(ShutdownReason.WATCHDOG);
        host.clock.advance(S);
        assertThat(host.hv.fireWatchdogs()).as("already shut down").isZero();
    }

    @Test
    void theWatchdogAgentFiresItToo() throws Exception {
        assertThat(watchdog(0, 1)).isEqualTo(1);
        host.clock.advance(S);
        int work = 0;
        for (var agent : host.hv.agents()) {
            work += agent.doWork();
        }
        assertThat(work).isPositive();
        assertThat(d.shutdownReason()).isEqualTo(ShutdownReason.WATCHDOG);
    }

    @Test
    void aShutdownCodeSetFirstWinsOverTheLaterReasonAndOnlyTheFirstCodeCounts() {
        assertThat(shutdownOp(SchedOp.SHUTDOWN_CODE, io.jxen.abi.sched.ShutdownReason.CRASH)).isZero();
        assertThat(shutdownOp(SchedOp.SHUTDOWN_CODE, io.jxen.abi.sched.ShutdownReason.REBOOT)).isZero();
        assertThat(d.shutdownCode()).isEqualTo(io.jxen.abi.sched.ShutdownReason.CRASH);
        assertThat(d.shutdownReason()).as("the code alone does not shut down").isNull();
        assertThat(shutdownOp(SchedOp.SHUTDOWN, io.jxen.abi.sched.ShutdownReason.POWEROFF)).isZero();
        assertThat(d.shutdownReason()).isEqualTo(ShutdownReason.CRASH);
    }

    @Test
    void withoutACodeTheReasonBecomesTheCode() {
        assertThat(shutdownOp(SchedOp.SHUTDOWN, io.jxen.abi.sched.ShutdownReason.REBOOT)).isZero();
        assertThat(d.shutdownReason()).isEqualTo(ShutdownReason.REBOOT);
        assertThat(d.shutdownCode()).isEqualTo(io.jxen.abi.sched.ShutdownReason.REBOOT);
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN_CODE, 0xFFFF_F000L)).isEqualTo(-EFAULT);
    }

    @Test
    void initialiseKeepsTheContextOnceAndRefusesAnInitialisedVcpu() {
        long ctx = 2L << XenPage.SHIFT; // the 5168-byte context spans pages 2 and 3
        g.mem().zero(ctx, io.jxen.abi.xen.VcpuGuestContextDescriptor.SIZE);
        g.mem().putLong(ctx + io.jxen.abi.xen.VcpuGuestContextDescriptor.FLAGS_OFFSET, 32);
        g.mem().putLong(ctx + io.jxen.abi.xen.VcpuGuestContextDescriptor.USER_REGS_RIP_OFFSET, 0xC0FFEEL);
        g.mem().putLong(ctx + io.jxen.abi.xen.VcpuGuestContextDescriptor.USER_REGS_RSP_OFFSET, 0x8000L);
        assertThat(d.vcpu(1).initialised()).isFalse();
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 1, ctx)).isZero();
        assertThat(d.vcpu(1).context()).isEqualTo(new VcpuContext(32, 0xC0FFEEL, 0x8000L, 0, 0));
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 1, ctx)).isEqualTo(-EEXIST);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 0, ctx)).as("built").isEqualTo(-EEXIST);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 2, ctx)).isEqualTo(-io.jxen.abi.XenErrno.ENOENT);
    }

    @Test
    void upOfANeverInitialisedVcpuIsEinvalAndLeavesItDown() {
        // common_vcpu_op, VCPUOP_up: "if ( !v->is_initialised ) rc = -EINVAL".
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1, 0)).isEqualTo(-EINVAL);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1, 0)).isZero();
        assertThat(d.vcpu(1).runstate().state()).isEqualTo(Runstate.OFFLINE);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 0, 0)).as("vCPU 0 has the builder's context").isZero();
        g.initialiseVcpu(1);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1, 0)).isZero();
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1, 0)).isEqualTo(1);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.DOWN, 1, 0)).isZero();
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1, 0)).as("down keeps the context").isZero();
    }

    @Test
    void initialiseOfAVcpuPast31WithoutItsOwnVcpuInfoIsEinvalAndAnUnreadableContextEfault() {
        Domain big = host.hv.createDomain(DomainConfig.of(16, 33));
        TestHost.Guest gb = host.guest(big);
        assertThat(gb.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 32, ARG)).isEqualTo(-EINVAL);
        assertThat(gb.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, 1, 15L << XenPage.SHIFT))
                .as("runs past the end of RAM").isEqualTo(-EFAULT);
    }

    long[] runstate(int vcpu) {
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.GET_RUNSTATE_INFO, vcpu, ARG)).isZero();
        long[] r = new long[6];
        r[0] = g.mem().getInt(ARG + VcpuRunstateInfoDescriptor.STATE_OFFSET);
        r[1] = g.mem().getLong(ARG + VcpuRunstateInfoDescriptor.STATE_ENTRY_TIME_OFFSET);
        for (int i = 0; i < 4; i++) {
            r[2 + i] = g.mem().getLong(ARG + VcpuRunstateInfoDescriptor.TIME_OFFSET + 8L * i);
        }
        return r;
    }

    @Test
    void runstateTimesFollowTheClockThroughPauseAndVcpuUp() {
        long t0 = host.hv.systemTime();
        host.clock.advance(3 * S);
        long[] r = runstate(0);
        assertThat(r[0]).isEqualTo(Runstate.RUNNING);
        assertThat(r[2 + Runstate.RUNNING]).isEqualTo(3 * S);
        assertThat(r[1]).isEqualTo(t0);

        host.hv.pause(d.domid());
        host.clock.advance(2 * S);
        host.hv.unpause(d.domid());
        host.clock.advance(S);
        r = runstate(0);
        assertThat(r[0]).isEqualTo(Runstate.RUNNING);
        assertThat(r[2 + Runstate.RUNNING]).isEqualTo(4 * S);
        assertThat(r[2 + Runstate.OFFLINE]).isEqualTo(2 * S);

        r = runstate(1);
        assertThat(r[0]).as("down").isEqualTo(Runstate.OFFLINE);
        g.initialiseVcpu(1);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1, 0)).isZero();
        host.clock.advance(S);
        r = runstate(1);
        assertThat(r[0]).isEqualTo(Runstate.RUNNING);
        assertThat(r[2 + Runstate.RUNNING]).isEqualTo(S);
        assertThat(r[2 + Runstate.OFFLINE]).isEqualTo(6 * S);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.GET_RUNSTATE_INFO, 0, 0xFFFF_F000L)).isEqualTo(-EFAULT);
    }

    @Test
    void aRegisteredRunstateAreaIsFilledAtOnceAndOnEveryChange() {
        long area = 4L << XenPage.SHIFT;
        g.mem().putLong(ARG, area);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA, 0, ARG)).isZero();
        assertThat(g.mem().getInt(area)).isEqualTo(Runstate.RUNNING);
        host.clock.advance(S);
        host.hv.pause(d.domid());
        assertThat(g.mem().getInt(area)).isEqualTo(Runstate.OFFLINE);
        assertThat(g.mem().getLong(area + VcpuRunstateInfoDescriptor.STATE_ENTRY_TIME_OFFSET))
                .as("XEN_RUNSTATE_UPDATE cleared").isEqualTo(host.hv.systemTime());
        assertThat(g.mem().getLong(area + VcpuRunstateInfoDescriptor.TIME_OFFSET + 8L * Runstate.RUNNING)).isEqualTo(S);

        g.mem().putLong(ARG, 15L << XenPage.SHIFT | 0xFF0);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA, 0, ARG))
                .as("crosses the end of RAM").isEqualTo(-EFAULT);
        g.mem().putLong(ARG, 0);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA, 0, ARG)).isZero();
        assertThat(d.vcpu(0).runstate().areaGpa()).isZero();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aBlockedVcpuIsRunstateBlockedAndDescheduledAsBlocked() throws Exception {
        host.time.log.clear();
        Thread t = Thread.ofPlatform().daemon().start(() -> g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0));
        while (host.hv.waitingVcpus() == 0) {
            Thread.onSpinWait();
        }
        assertThat(d.vcpu(0).runstate().state()).isEqualTo(Runstate.BLOCKED);
        assertThat(host.time.log).containsExactly("deschedule v0 blocked");
        host.hv.destroyDomain(d.domid());
        t.join();
    }
}
