package io.jxen.guest.time;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.hv.domain.Domain;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XenTimeDeviceTest {

    /** A booted guest whose TSC is the virtual clock (1 GHz) and whose platform serves vCPU timers. */
    private static final class Rig implements AutoCloseable {
        final GuestHostAccess host = new GuestHostAccess();
        final TimerPlatform platform;
        final GuestKernel kernel;

        Rig(int vcpus) {
            host.domain(256, 1);
            Domain d = host.domain(256, vcpus);
            platform = new TimerPlatform(host.hv, d.domid(), host.clock);
            kernel = GuestKernel.boot(platform, GuestKernel.Options.defaults(host.clock)
                    .withIntrThreads(host.threads).withRdtsc(host.clock::nanoTime));
            for (int v = 0; v < vcpus; v++) {
                kernel.vcpu(v).poll(); // the spurious upcall of register_vcpu_info
                publish(v, 0, PvClockFlags.TSC_STABLE_BIT);
            }
        }

        /**
         * What Xen's pvclock publication does (version odd, tuple, version even): system time
         * now minus {@code skewNs}, stamped with the current TSC; scale 1 ns per tick
         * ({@code mul 2^31, shift 1}).
         */
        void publish(int vcpu, long skewNs, int flags) {
            MemorySegment t = kernel.vcpu(vcpu).vcpuInfo().asSlice(VcpuInfoDescriptor.TIME_OFFSET, VcpuTimeInfoDescriptor.SIZE);
            int version = OrderedAccess.getIntPlain(t, VcpuTimeInfoDescriptor.VERSION_OFFSET);
            OrderedAccess.setIntVolatile(t, VcpuTimeInfoDescriptor.VERSION_OFFSET, version + 1);
            OrderedAccess.setLongPlain(t, VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET, host.clock.nanoTime());
            OrderedAccess.setLongPlain(t, VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET, platform.now() - skewNs);
            OrderedAccess.setIntPlain(t, VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET, 0x8000_0000);
            OrderedAccess.setBytePlain(t, VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET, (byte) 1);
            OrderedAccess.setBytePlain(t, VcpuTimeInfoDescriptor.FLAGS_OFFSET, (byte) flags);
            OrderedAccess.setIntRelease(t, VcpuTimeInfoDescriptor.VERSION_OFFSET, version + 2);
        }

        @Override
        public void close() {
            host.close();
        }
    }

    @Test
    void timecounterIsMonotonicAcrossVcpusUnlessTheTscIsStable() {
        try (Rig rig = new Rig(2)) {
            XenTimeDevice dev = XenTimeDevice.attach(rig.kernel);
            rig.host.clock.advance(5_000_000);
            assertThat(dev.timecounter().nanos(0)).isEqualTo(rig.platform.now());
            // vCPU 1's record lags 3 µs behind: with an unstable TSC the clamp holds time still.
            rig.publish(0, 0, 0);
            rig.publish(1, 3_000, 0);
            long t0 = dev.timecounter().nanos(0);
            long t1 = dev.timecounter().nanos(1);
            assertThat(t1).isEqualTo(t0);
            assertThat(dev.timecounter().rawNanos(1)).isEqualTo(t0 - 3_000);
            rig.host.clock.advance(1_000);
            assertThat(dev.timecounter().nanos(1)).isEqualTo(t0);
            rig.host.clock.advance(2_001);
            assertThat(dev.timecounter().nanos(1)).isEqualTo(t0 + 1);
            // Marked stable: the guest trusts each vCPU's own reading (no clamp).
            rig.publish(1, 3_000, PvClockFlags.TSC_STABLE_BIT);
            assertThat(dev.timecounter().nanos(1)).isEqualTo(rig.platform.now() - 3_000);
        }
    }

    @Test
    void oneShotTimerFiresXenEtOnItsVcpu() {
        try (Rig rig = new Rig(2)) {
            XenTimeDevice dev = XenTimeDevice.attach(rig.kernel);
            assertThat(rig.platform.stopPeriodicCalls).isEqualTo(2); // the legacy 100 Hz tick is stopped
            List<Integer> fired = new ArrayList<>();
            dev.eventTimer().onEvent(fired::add);
            dev.eventTimer().oneShot(1, 1_000_000);
            assertThat(rig.platform.deadlines[1]).isEqualTo(rig.platform.now() + 1_000_000);
            rig.platform.advance(999_999);
            rig.kernel.vcpu(1).poll();
            assertThat(fired).isEmpty();
            rig.platform.advance(1);
            rig.kernel.vcpu(0).poll();
            assertThat(fired).isEmpty();
            rig.kernel.vcpu(1).poll();
            assertThat(fired).containsExactly(1);
            assertThat(rig.kernel.intr().count("xen_et:c1")).isEqualTo(1);
            assertThat(rig.kernel.intr().count("xen_et:c0")).isZero();
            assertThat(rig.kernel.intr().vmstat()).contains("xen_et:c0").contains("xen_et:c1");
        }
    }

    @Test
    void periodsAreAtLeast100MicrosecondsAndRearmFromTheInterrupt() {
        try (Rig rig = new Rig(1)) {
            XenTimeDevice dev = XenTimeDevice.attach(rig.kernel);
            dev.eventTimer().oneShot(0, 10);
            assertThat(rig.platform.deadlines[0]).isEqualTo(rig.platform.now() + XenEventTimer.MIN_PERIOD_NS);
            dev.eventTimer().start(0, 200_000, 200_000);
            for (int i = 0; i < 5; i++) {
                rig.platform.advance(200_000);
                rig.kernel.vcpu(0).poll();
            }
            assertThat(rig.kernel.intr().count("xen_et:c0")).isEqualTo(5);
            dev.eventTimer().stop(0);
            assertThat(rig.platform.deadlines[0]).isEqualTo(-1);
            rig.platform.advance(1_000_000);
            rig.kernel.vcpu(0).poll();
            assertThat(rig.kernel.intr().count("xen_et:c0")).isEqualTo(5);
        }
    }

    @Test
    void etimeIsRetriedAtMost60TimesThenFailsLoudly() {
        try (Rig rig = new Rig(1)) {
            XenTimeDevice dev = XenTimeDevice.attach(rig.kernel);
            rig.platform.forcedEtime = 3;
            dev.eventTimer().oneShot(0, 500_000);
            assertThat(dev.eventTimer().etimeRetries()).isEqualTo(3);
            assertThat(rig.platform.deadlines[0]).isPositive();
            rig.platform.forcedEtime = 60;
            assertThatThrownBy(() -> dev.eventTimer().oneShot(0, 500_000))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("-ETIME 60 times");
            assertThat(rig.platform.forcedEtime).isZero();
        }
    }

    @Test
    void oneDeviceInstancePerGuestAndTheRtcFollowsTheWallclock() {
        try (Rig rig = new Rig(1)) {
            XenTimeDevice dev = XenTimeDevice.attach(rig.kernel);
            assertThatThrownBy(() -> XenTimeDevice.attach(rig.kernel)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already attached");
            MemorySegment si = rig.kernel.sharedInfo();
            // What Xen's update_domain_wallclock_time publishes: wall time at system time 0.
            OrderedAccess.setIntVolatile(si, SharedInfoDescriptor.WC_VERSION_OFFSET, 1);
            OrderedAccess.setIntPlain(si, SharedInfoDescriptor.WC_SEC_OFFSET, 1_767_225_600);
            OrderedAccess.setIntPlain(si, SharedInfoDescriptor.WC_NSEC_OFFSET, 250);
            OrderedAccess.setIntPlain(si, SharedInfoDescriptor.WC_SEC_HI_OFFSET, 0);
            OrderedAccess.setIntRelease(si, SharedInfoDescriptor.WC_VERSION_OFFSET, 2);
            rig.host.clock.advance(7_000_000_000L);
            assertThat(dev.rtc().epochNanos(0)).isEqualTo(1_767_225_600_000_000_250L + rig.platform.now());
        }
    }
}
