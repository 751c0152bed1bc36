package io.jxen.hv.time;

import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import static io.jxen.hv.time.HvmTimeSimulation.MS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regression test for the drift Xen's vpt prevents in {@code delay_for_missed_ticks}: guest
 * time must be frozen while a vCPU is descheduled ({@code pt_freeze_time}/{@code pt_thaw_time})
 * and stepped forward as each late tick is delivered ({@code pt_irq_fired} →
 * {@code hvm_set_guest_time}). Without them, a tick-counting guest that compensates lost ticks
 * from the HPET counter counts the backlog twice, and its clock runs away from the counter.
 * Both outcomes are asserted on the same seeded schedule of deschedules.
 */
class GuestTimeDriftTest {

    /**
     * Stated tolerance with the correction in place: one tick period (10 ms on vCPU 0, 4 ms on
     * vCPU 1) plus one simulation step (1 ms) of delivery latency.
     */
    static final long TOLERANCE_VCPU0_NS = 10 * MS + MS;
    static final long TOLERANCE_VCPU1_NS = 4 * MS + MS;

    @Test
    void withFreezeThawAndPostDeliveryUpdateTicksAgreeWithTheHpet() {
        Seeds.run(seed -> {
            HvmTimeSimulation sim = new HvmTimeSimulation(seed, true);
            sim.runFor(10 * 60 * 1000 * MS); // 10 minutes of guest time
            HvmTimeSimulation.GuestVcpu v0 = sim.vcpus[0];
            HvmTimeSimulation.GuestVcpu v1 = sim.vcpus[1];
            assertThat(v0.deschedules).isGreaterThan(1000);
            assertThat(v0.jiffies).isGreaterThan(50_000);
            assertThat(v0.driftNsMaxAbs).as("vCPU 0 ticks vs HPET counter").isLessThanOrEqualTo(TOLERANCE_VCPU0_NS);
            assertThat(v1.driftNsMaxAbs).as("vCPU 1 ticks vs guest time").isLessThanOrEqualTo(TOLERANCE_VCPU1_NS);
        });
    }

    @Test
    void withoutThemTicksAndTheHpetCounterDriftApart() {
        Seeds.run(seed -> {
            HvmTimeSimulation sim = new HvmTimeSimulation(seed, false);
            sim.platform.setGuestTimeCorrectionForTest(false);
            sim.runFor(10 * 60 * 1000 * MS);
            HvmTimeSimulation.GuestVcpu v0 = sim.vcpus[0];
            assertThat(v0.deschedules).isGreaterThan(1000);
            // Every deschedule longer than a tick double-counts its backlog: after ~1000
            // deschedules the guest clock is seconds ahead of the counter, and still growing.
            assertThat(v0.driftNs).as("vCPU 0 ticks ahead of HPET counter")
                    .isGreaterThan(100 * TOLERANCE_VCPU0_NS);
            assertThat(sim.vcpus[1].driftNs).isGreaterThan(100 * TOLERANCE_VCPU1_NS);
        });
    }
}
