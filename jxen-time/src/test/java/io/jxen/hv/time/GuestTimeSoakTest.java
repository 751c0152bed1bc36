package io.jxen.hv.time;

import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import static io.jxen.hv.time.HvmTimeSimulation.MS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long soak in simulation: hours of guest time with random deschedules on both vCPUs, run
 * on the virtual clock in seconds. Guest time and the HPET counter stay monotonic on every
 * vCPU (checked after every round by the simulation's invariant), the tick count never drifts
 * from the counters, and no tick is lost for good.
 */
class GuestTimeSoakTest {

    private static final long HOUR = 3_600_000L * MS;

    @Test
    void threeHoursOfDelayForMissedTicksWithoutDrift() {
        Seeds.run(seed -> {
            HvmTimeSimulation sim = new HvmTimeSimulation(seed, true);
            sim.runFor(3 * HOUR);
            long host = sim.systemTime.now();
            HvmTimeSimulation.GuestVcpu v0 = sim.vcpus[0];
            HvmTimeSimulation.GuestVcpu v1 = sim.vcpus[1];
            assertThat(v0.driftNsMaxAbs).isLessThanOrEqualTo(GuestTimeDriftTest.TOLERANCE_VCPU0_NS);
            assertThat(v1.driftNsMaxAbs).isLessThanOrEqualTo(GuestTimeDriftTest.TOLERANCE_VCPU1_NS);
            // Every tick due by host time was delivered, except those of the current backlog
            // (at most one deschedule, 60 ms, plus a period).
            assertThat(host - v0.jiffies * 10 * MS).isBetween(0L, 60 * MS + 10 * MS);
            assertThat(host - v1.jiffies * 4 * MS).isBetween(0L, 60 * MS + 4 * MS);
            assertThat(v0.deschedules + v1.deschedules).isGreaterThan(100_000);
        });
    }

    @Test
    void everyPolicyKeepsGuestTimeMonotonicForAnHour() {
        for (TimerMode mode : TimerMode.values()) {
            Seeds.run(seed -> {
                HvmTimeSimulation sim = new HvmTimeSimulation(seed, true);
                sim.platform.setMode(mode);
                sim.runFor(HOUR); // the invariant checks monotonic time after every round
                assertThat(sim.vcpus[0].jiffies).as(mode.name()).isGreaterThan(300_000);
                assertThat(sim.vcpus[1].jiffies).as(mode.name()).isGreaterThan(800_000);
            });
        }
    }
}
