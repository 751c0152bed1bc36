package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.hv.time.DomainTime;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.timekeeping.JxenTime;
import io.jxen.hypercall.pvclock.PvClockMath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The timer suite against the real jxen-time ({@link JxenTime} over {@link HostTime}) instead
 * of the recording double. Where real Xen behaves differently from the double, the test is
 * overridden with Xen's behaviour:
 * <ul>
 * <li>vcpu_time_info is published at refresh points, not on every step: a guest computes the
 *     time as {@code system_time + scale(tsc - tsc_timestamp)} (vcpu.h), so these tests do too;
 * <li>a PV vCPU has the legacy 100 Hz periodic tick until the guest stops it, as on Xen, so a
 *     test that expects no VIRQ_TIMER stops it first (as Linux's xen_timer_init does);
 * <li>the wallclock starts at the host clock's wall time (the virtual clock's epoch, 0).
 * </ul>
 * The two tests that read the double's log of scheduler hooks are overridden without
 * {@code @Test}, so they do not run here.
 */
class TimerOnJxenTimeTest extends TimerTest {

    @Override
    TestHost newHost() {
        return new TestHost(dir, overSocket(), clock -> new JxenTime(new HostTime(clock)));
    }

    private DomainTime domainTime() {
        return ((JxenTime.Domain) d.timekeeping()).time();
    }

    /** System time as the guest computes it from the vcpu_time_info at {@code gpa}, now. */
    private long guestSystemTime(long gpa) {
        long tsc = domainTime().tsc().tscAt(host.hv.systemTime());
        while (true) {
            int v1 = g.mem().getInt(gpa + VcpuTimeInfoDescriptor.VERSION_OFFSET);
            long stamp = g.mem().getLong(gpa + VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET);
            long system = g.mem().getLong(gpa + VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET);
            int mul = g.mem().getInt(gpa + VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET);
            int shift = g.mem().getByte(gpa + VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET);
            int v2 = g.mem().getInt(gpa + VcpuTimeInfoDescriptor.VERSION_OFFSET);
            if ((v1 & 1) == 0 && v1 == v2) {
                return PvClockMath.systemTime(tsc, stamp, system, mul, shift);
            }
        }
    }

    private long vcpuInfoTimeGpa(int vcpu) {
        return (d.sharedInfoGfn() << XenPage.SHIFT) + SharedInfoDescriptor.VCPU_INFO_OFFSET
                + (long) vcpu * VcpuInfoDescriptor.SIZE + VcpuInfoDescriptor.TIME_OFFSET;
    }

    @Override
    @Test
    void pvclockInVcpuInfoIsMonotonicAndFollowsVirtualTime() throws Exception {
        long t0 = guestSystemTime(vcpuInfoTimeGpa(0));
        runTo(7 * MS);
        long t1 = guestSystemTime(vcpuInfoTimeGpa(0));
        runTo(8 * MS);
        long t2 = guestSystemTime(vcpuInfoTimeGpa(0));
        assertThat(t0).isLessThanOrEqualTo(t1);
        assertThat(t1).isCloseTo(7 * MS, org.assertj.core.data.Offset.offset(2L));
        assertThat(t2).isCloseTo(8 * MS, org.assertj.core.data.Offset.offset(2L));
    }

    @Override
    @Test
    void afterRegisterVcpuInfoTheTimeIsPublishedAtTheNewPlace() throws Exception {
        long gpa = 3L << XenPage.SHIFT;
        g.mem().putLong(TestHost.Guest.ARG, 3);
        g.mem().putInt(TestHost.Guest.ARG + 8, 64);
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_INFO, 0, TestHost.Guest.ARG)).isZero();
        runTo(4 * MS);
        assertThat(g.mem().getInt(gpa + 64 + VcpuInfoDescriptor.TIME_OFFSET + VcpuTimeInfoDescriptor.VERSION_OFFSET))
                .as("published at the new place").isNotZero();
        assertThat(guestSystemTime(gpa + 64 + VcpuInfoDescriptor.TIME_OFFSET))
                .isCloseTo(4 * MS, org.assertj.core.data.Offset.offset(2L));
    }

    @Override
    @Test
    void aPastDeadlineWithTheFutureFlagIsEtimeAndWithoutItFiresAtOnce() throws Exception {
        assertThat(g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.STOP_PERIODIC_TIMER, 0, 0)).isZero();
        super.aPastDeadlineWithTheFutureFlagIsEtimeAndWithoutItFiresAtOnce();
    }

    @Test
    void aPvVcpuHasTheLegacyTickUntilItStopsIt() throws Exception {
        long port = e.bindVirq(io.jxen.abi.xen.Virq.TIMER, 0);
        runTo(10 * MS);
        assertThat(e.pending(port)).as("100 Hz tick at 10 ms").isTrue();
    }

    @Override
    @Test
    void theWallclockIsInSharedInfoAndDom0CanSetIt() throws Exception {
        long si = d.sharedInfoGfn() << XenPage.SHIFT;
        assertThat(g.mem().getInt(si + SharedInfoDescriptor.WC_VERSION_OFFSET) & 1).isZero();
        assertThat(g.mem().getInt(si + SharedInfoDescriptor.WC_SEC_OFFSET)).as("the virtual clock's epoch").isZero();
    }

    @Override
    void pauseAndUnpauseDescheduleAndRescheduleRunningVcpus() {
        // Reads the recording double's log; covered by TimerTest.
    }

    @Override
    void aVcpuWhoseHypercallsComeFromAnotherHostThreadIsRestampedAsMoved() {
        // Reads the recording double's log; covered by TimerTest.
    }
}
