package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.time.clock.TscModel;
import io.jxen.hv.time.timer.SingleshotPolicy;
import io.jxen.hv.timekeeping.JxenTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.ENOENT;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.ENXIO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code VCPUOP_register_vcpu_time_memory_area} (vcpu.h: "a secondary copy of the vcpu time
 * parameters ... updated whenever the master copy is updated (and using the same versioning
 * scheme)"), on the real jxen-time publisher: the copy is written at once and then with every
 * update of the master in {@code vcpu_info}, carries the same tuple and flags
 * ({@code XEN_PVCLOCK_TSC_STABLE_BIT} iff the host TSC is the stable clocksource, as Xen sets it
 * iff {@code clocksource_is_tsc()}), moves when re-registered and stops at address 0.
 */
class VcpuTimeMemoryAreaTest {

    private static final long S = 1_000_000_000L;
    private static final long ARG = TestHost.Guest.ARG;
    /** Where the guest keeps its copies (page 4, an ordinary RAM page). */
    private static final long AREA = 4L << XenPage.SHIFT;

    @TempDir
    Path dir;
    TestHost host;
    Domain d;
    TestHost.Guest g;

    void boot(boolean stableTsc) {
        host = new TestHost(dir, false, clock -> new JxenTime(new HostTime(clock,
                new TscModel(2_500_000_000L, stableTsc), SingleshotPolicy.XEN_4_17)));
        d = host.domain(16, 2);
        host.hv.unpause(d.domid());
        g = host.guest(d);
    }

    @AfterEach
    void tearDown() {
        if (host != null) {
            assertThat(host.hv.internalErrors()).isZero();
            host.close();
        }
    }

    long register(int vcpu, long gpa) {
        g.mem().putLong(ARG, gpa);
        return g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_TIME_MEMORY_AREA, vcpu, ARG);
    }

    long master(int vcpu) {
        return (d.sharedInfoGfn() << XenPage.SHIFT) + SharedInfoDescriptor.VCPU_INFO_OFFSET
                + (long) vcpu * VcpuInfoDescriptor.SIZE + VcpuInfoDescriptor.TIME_OFFSET;
    }

    int version(long gpa) {
        return g.mem().getInt(gpa + VcpuTimeInfoDescriptor.VERSION_OFFSET);
    }

    /** The tuple after the version: tsc_timestamp, system_time, mul, shift and flags. */
    long[] tuple(long gpa) {
        return new long[] {
                g.mem().getLong(gpa + VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET),
                g.mem().getLong(gpa + VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET),
                g.mem().getInt(gpa + VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET),
                g.mem().getByte(gpa + VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET),
                g.mem().getByte(gpa + VcpuTimeInfoDescriptor.FLAGS_OFFSET) & 0xFF};
    }

    /** Time passes by {@code ns} and the calibration (pvclock refresher) runs. */
    void advance(long ns) {
        host.clock.advance(ns);
        for (var agent : host.hv.agents()) {
            try {
                agent.doWork();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void theCopyIsWrittenAtOnceAndThenWithEveryUpdateOfTheMaster() {
        boot(true);
        g.mem().zero(AREA, XenPage.SIZE);
        assertThat(register(0, AREA + 64)).isZero();
        assertThat(version(AREA + 64)).as("written at once, version even").isPositive().isEven();
        assertThat(tuple(AREA + 64)).isEqualTo(tuple(master(0)));
        assertThat(tuple(AREA + 64)[4] & PvClockFlags.TSC_STABLE_BIT).as("stable TSC").isNotZero();

        int before = version(AREA + 64);
        advance(2 * S);
        assertThat(version(AREA + 64)).as("re-stamped with the master").isGreaterThan(before).isEven();
        assertThat(tuple(AREA + 64)).isEqualTo(tuple(master(0)));
        assertThat(tuple(AREA + 64)[1]).as("the new stamp's system time").isEqualTo(host.hv.systemTime());
        assertThat(version(AREA)).as("nothing written around it").isZero();
        assertThat(d.physMap().pinned(io.jxen.hypercall.P2mEntry.mfn(d.physMap().p2m().get(4))))
                .as("the frame is kept while the hypervisor writes it").isTrue();
    }

    @Test
    void withoutAStableTscTheCopyLacksTheStableBitLikeTheMaster() {
        boot(false);
        assertThat(register(1, AREA)).isZero();
        assertThat(tuple(AREA)).isEqualTo(tuple(master(1)));
        assertThat(tuple(AREA)[4] & PvClockFlags.TSC_STABLE_BIT).isZero();
        advance(2 * S);
        assertThat(tuple(AREA)[4] & PvClockFlags.TSC_STABLE_BIT).isZero();
        assertThat(tuple(AREA)).isEqualTo(tuple(master(1)));
    }

    @Test
    void reRegisteringMovesTheCopyAndAddressZeroDropsIt() {
        boot(true);
        g.mem().zero(AREA, XenPage.SIZE);
        assertThat(register(0, AREA)).isZero();
        long firstMfn = d.vcpu(0).timeMemoryAreaMfn();
        assertThat(register(0, AREA + 256)).isZero();
        int oldVersion = version(AREA);
        advance(2 * S);
        assertThat(version(AREA)).as("the old place is no longer written").isEqualTo(oldVersion);
        assertThat(tuple(AREA + 256)).isEqualTo(tuple(master(0)));

        assertThat(register(0, 0)).isZero();
        int last = version(AREA + 256);
        advance(2 * S);
        assertThat(version(AREA + 256)).as("dropped").isEqualTo(last);
        assertThat(d.vcpu(0).timeMemoryAreaGpa()).isZero();
        assertThat(d.physMap().pinned(firstMfn)).as("the frame is given back").isFalse();
        assertThat(version(master(0))).as("the master copy goes on").isPositive();
    }

    @Test
    void eachVcpuHasItsOwnCopy() {
        boot(true);
        assertThat(register(0, AREA)).isZero();
        assertThat(register(1, AREA + VcpuTimeInfoDescriptor.SIZE)).isZero();
        advance(2 * S);
        assertThat(tuple(AREA)).isEqualTo(tuple(master(0)));
        assertThat(tuple(AREA + VcpuTimeInfoDescriptor.SIZE)).isEqualTo(tuple(master(1)));
    }

    @Test
    void badArgumentsAreRefusedAsXenDoes() {
        boot(true);
        assertThat(register(2, AREA)).as("no such vCPU").isEqualTo(-ENOENT);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_TIME_MEMORY_AREA, 0, 0xFFFF_F000L))
                .as("argument unreadable").isEqualTo(-EFAULT);
        assertThat(register(0, 200L << XenPage.SHIFT)).as("not guest memory").isEqualTo(-EFAULT);
        assertThat(register(0, d.sharedInfoGfn() << XenPage.SHIFT)).as("not the domain's RAM").isEqualTo(-EFAULT);
        assertThat(register(0, AREA + XenPage.SIZE - 16)).as("crosses a page").isEqualTo(-ENXIO);
        assertThat(register(0, AREA + 4)).as("misaligned").isEqualTo(-ENXIO);
        assertThat(d.vcpu(0).timeMemoryAreaGpa()).isZero();
    }

    @Test
    void withoutHostTimeThereIsNothingToPublish() {
        host = new TestHost(dir);
        d = host.domain(16, 1);
        g = host.guest(d);
        assertThat(register(0, AREA)).isEqualTo(-ENOSYS);
    }
}
