package io.jxen.hv.time;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.SharedInfoFlyweight;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hypercall.pvclock.PvClockReader;
import io.jxen.hv.time.hpet.HpetRegisters;
import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.VcpuPlatformTime;
import io.jxen.runtime.Agent;
import io.jxen.sim.Seeds;
import io.jxen.sim.SimulationRunner;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The facade the hypervisor uses, driven as its scheduler and hypercalls would. */
class DomainTimeTest {

    private static final long MS = 1_000_000L;

    @Test
    void pvDomainGetsTimeInfoWallclockAndTheLegacyTickPerVcpu() {
        Seeds.run(seed -> {
            SimulationRunner runner = new SimulationRunner(seed).idleStep(MS);
            HostTime host = new HostTime(runner.clock());
            host.agents().forEach(runner::add);
            List<Integer> virqs = new ArrayList<>();
            DomainTime domain = host.createDomain(2, true, virqs::add);
            MemorySegment sharedInfo = Arena.ofAuto().allocate(4096, 4096);
            domain.attachSharedInfo(sharedInfo, 0);
            for (int v = 0; v < 2; v++) {
                long timeArea = SharedInfoDescriptor.VCPU_INFO_OFFSET + (long) v * VcpuInfoDescriptor.SIZE
                        + VcpuInfoDescriptor.TIME_OFFSET;
                domain.registerTimeArea(v, sharedInfo, timeArea);
                domain.onSchedule(v, false);
            }
            long area1 = SharedInfoDescriptor.VCPU_INFO_OFFSET + VcpuInfoDescriptor.SIZE + VcpuInfoDescriptor.TIME_OFFSET;
            PvClockReader reader = new PvClockReader(sharedInfo, area1,
                    () -> domain.tsc().tscAt(host.now()), new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);

            runner.runFor(1005 * MS); // the run stops on reaching its end, before a round there
            // 100 Hz on each vCPU: ticks at 10, 20, ..., 1000 ms.
            assertThat(virqs.stream().filter(v -> v == 0).count()).isEqualTo(100);
            assertThat(virqs.stream().filter(v -> v == 1).count()).isEqualTo(100);
            assertThat(Math.abs(reader.read() - host.now())).isLessThanOrEqualTo(2);
            assertThat(domain.pvclock(1).publications()).isGreaterThan(1); // refreshed by the agent

            // Wall time = wc + system_time, and settime reaches the domain.
            SharedInfoFlyweight si = new SharedInfoFlyweight().wrap(sharedInfo, 0);
            long wall = si.getWcSec() * 1_000_000_000L + si.getWcNsec() + reader.read();
            assertThat(wall).isCloseTo(runner.clock().epochNanos(), within(2L)); // pvclock rounding
            host.settime(2_000_000_000L, 0, host.now());
            assertThat(si.getWcSec() * 1_000_000_000L + si.getWcNsec() + reader.read())
                    .isCloseTo(2_000_000_000L * 1_000_000_000L, within(2L));

            // The guest stops the legacy tick on vCPU 0 and uses one-shots instead.
            assertThat(domain.timers(0).stopPeriodicTimer()).isZero();
            assertThat(domain.timers(0).setSingleshotTimer(host.now() + 5 * MS, 1)).isZero();
            virqs.clear();
            runner.runFor(100 * MS);
            assertThat(virqs.stream().filter(v -> v == 0).count()).isEqualTo(1);
            assertThat(virqs.stream().filter(v -> v == 1).count()).isEqualTo(10);

            domain.close();
            virqs.clear();
            runner.runFor(100 * MS);
            assertThat(virqs).isEmpty();
        });
    }

    @Test
    void hvmDomainGetsPlatformTimersOnGuestTime() {
        Seeds.run(seed -> {
            SimulationRunner runner = new SimulationRunner(seed).idleStep(100_000);
            HostTime host = new HostTime(runner.clock());
            host.agents().forEach(runner::add);
            List<String> irqs = new ArrayList<>();
            List<Integer> kicks = new ArrayList<>();
            DomainTime domain = host.createDomain(1, false, v -> { });
            domain.enableHvmPlatform(new IrqLine() {
                @Override
                public void assertIrq(IrqSource source, int irq) {
                    irqs.add(source + ":" + irq);
                }

                @Override
                public void deassertIrq(IrqSource source, int irq) {
                }
            }, kicks::add);
            domain.onSchedule(0, false);
            VcpuPlatformTime v0 = domain.platform().vcpu(0);
            // The guest programs the PIT for 1 kHz and enables the HPET.
            domain.pit().write(Pit.COMMAND_PORT, 1, 0x34);
            domain.pit().write(Pit.BASE_PORT, 1, 1193 & 0xFF);
            domain.pit().write(Pit.BASE_PORT, 1, 1193 >> 8);
            domain.hpet().write(HpetRegisters.BASE_ADDRESS + HpetRegisters.CFG, 4, 1);
            int[] ticks = {0};
            runner.add(new Agent() {
                @Override
                public int doWork() {
                    int irq = v0.updateIrq();
                    if (irq < 0) {
                        return 0;
                    }
                    v0.intrPost(IrqSource.ISA, irq);
                    ticks[0]++;
                    return 1;
                }

                @Override
                public String roleName() {
                    return "vcpu0";
                }
            });
            runner.runFor(100 * MS);
            assertThat(ticks[0]).isBetween(99, 100);
            assertThat(kicks).hasSize(ticks[0]);
            long counter = domain.hpet().read(HpetRegisters.BASE_ADDRESS + HpetRegisters.COUNTER, 8);
            assertThat(counter * 16).isBetween(99 * MS, 100 * MS);
            assertThat(domain.pmTimer().counter()).isBetween(357_000L, 358_000L);
            domain.onDeschedule(0, false);
            domain.close();
        });
    }
}
