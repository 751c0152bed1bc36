package io.jxen.hv.time;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.hpet.Hpet;
import io.jxen.hv.time.hpet.HpetRegisters;
import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PeriodicTime;
import io.jxen.hv.time.vpt.PlatformTime;
import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.hv.time.vpt.VcpuPlatformTime;
import io.jxen.runtime.Agent;
import io.jxen.sim.SimulationRunner;

import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * An HVM domain with two vCPUs in a seeded simulation. vCPU 0 takes a 100 Hz tick from HPET
 * timer 0 (periodic, LegacyReplacement on IRQ 0) and reads the HPET main counter in its tick
 * handler; vCPU 1 takes a 250 Hz tick from a per-vCPU channel (its "LAPIC timer") and reads its
 * own guest time. Each guest counts ticks with lost-tick compensation in the shape of Linux
 * 2.6's x86_64 timer interrupt on the HPET: on each tick it reads the counter, accounts
 * {@code delay / period - 1} lost ticks when more than a period passed since the counter read
 * at the previous tick, and remembers the counter read now.
 * Each vCPU agent is descheduled at random (seeded) for 1 to 60 ms after running 20 to 200 ms.
 *
 * <p>Invariants checked after every round: guest time is monotonic on every running vCPU, and
 * the HPET counter read by vCPU 0 never goes backwards.
 */
final class HvmTimeSimulation {

    static final long MS = 1_000_000L;
    static final long HPET_PERIOD_TICKS = 625_000; // 10 ms at 62.5 MHz

    /** One guest vCPU: run loop, tick handler, and its own random scheduler. */
    final class GuestVcpu implements Agent {
        final int id;
        final VcpuPlatformTime vpt;
        final IrqSource tickSource;
        final long periodUnits;
        final long unitNs;
        final LongSupplier counter;
        private final SplittableRandom random;
        boolean running = true;
        private long runUntil;
        private long wakeAt;
        long jiffies;
        long counterStart;
        private long lastTickCounter;
        long driftNsMaxAbs;
        long driftNs;
        long deschedules;
        private long lastGuestTime = Long.MIN_VALUE;
        private long lastCounter = Long.MIN_VALUE;

        GuestVcpu(int id, IrqSource tickSource, long periodUnits, long unitNs, LongSupplier counter, long seed) {
            this.id = id;
            this.vpt = platform.vcpu(id);
            this.tickSource = tickSource;
            this.periodUnits = periodUnits;
            this.unitNs = unitNs;
            this.counter = counter;
            this.random = new SplittableRandom(seed);
            this.runUntil = nextRun();
        }

        void startCounting() {
            counterStart = counter.getAsLong();
            lastTickCounter = counterStart;
        }

        private long nextRun() {
            return queue.now() + 20 * MS + random.nextLong(180 * MS);
        }

        @Override
        public int doWork() {
            long now = queue.now();
            if (running && now >= runUntil) {
                vpt.deschedule(false);
                running = false;
                deschedules++;
                wakeAt = now + MS + random.nextLong(59 * MS);
                return 1;
            }
            if (!running) {
                if (now < wakeAt) {
                    return 0;
                }
                vpt.reschedule();
                running = true;
                runUntil = nextRun();
                return 1;
            }
            int irq = vpt.updateIrq(); // VM entry
            if (irq < 0) {
                return 0;
            }
            vpt.intrPost(tickSource, irq); // the guest takes the interrupt at once
            tick();
            return 1;
        }

        private void tick() {
            long c = counter.getAsLong();
            long delay = c - lastTickCounter;
            long lost = delay > periodUnits ? delay / periodUnits - 1 : 0; // lost-tick compensation
            jiffies += 1 + lost;
            lastTickCounter = c;
            driftNs = (jiffies * periodUnits - (c - counterStart)) * unitNs;
            driftNsMaxAbs = Math.max(driftNsMaxAbs, Math.abs(driftNs));
        }

        void checkMonotonic() {
            if (!running) {
                return;
            }
            long g = vpt.guestTime();
            if (g < lastGuestTime) {
                throw new AssertionError("vCPU " + id + " guest time went back: " + lastGuestTime + " -> " + g);
            }
            lastGuestTime = g;
            if (id == 0) {
                long c = hpet.read(HpetRegisters.BASE_ADDRESS + HpetRegisters.COUNTER, 8);
                if (c < lastCounter) {
                    throw new AssertionError("HPET counter went back on vCPU 0: " + lastCounter + " -> " + c);
                }
                lastCounter = c;
            }
        }

        @Override
        public String roleName() {
            return "vcpu" + id;
        }
    }

    final SimulationRunner runner;
    final SystemTime systemTime;
    final TimerQueue queue;
    final PlatformTime platform;
    final Hpet hpet;
    final GuestVcpu[] vcpus = new GuestVcpu[2];

    HvmTimeSimulation(long seed, boolean guestTimeCorrection) {
        runner = new SimulationRunner(seed).idleStep(MS);
        systemTime = new SystemTime(runner.clock());
        queue = new TimerQueue(systemTime, "timers");
        IrqLine lines = new IrqLine() {
            @Override
            public void assertIrq(IrqSource source, int irq) {
            }

            @Override
            public void deassertIrq(IrqSource source, int irq) {
            }
        };
        platform = new PlatformTime(systemTime, queue, lines, vcpu -> { }, 2);
        platform.setMode(TimerMode.DELAY_FOR_MISSED_TICKS);
        platform.setGuestTimeCorrectionForTest(guestTimeCorrection);
        Pit pit = new Pit(platform);
        hpet = new Hpet(platform, lines, pit);
        long base = HpetRegisters.BASE_ADDRESS;
        hpet.write(base + HpetRegisters.CFG, 8, HpetRegisters.CFG_ENABLE | HpetRegisters.CFG_LEGACY);
        vcpus[0] = new GuestVcpu(0, IrqSource.ISA, HPET_PERIOD_TICKS, HpetRegisters.STIME_PER_HPET_TICK,
                () -> hpet.read(base + HpetRegisters.COUNTER, 8), seed ^ 0x5DEECE66DL);
        vcpus[0].startCounting();
        long start = vcpus[0].counterStart;
        hpet.write(base + HpetRegisters.tnCfg(0), 8,
                HpetRegisters.TN_ENABLE | HpetRegisters.TN_PERIODIC | HpetRegisters.TN_SETVAL);
        hpet.write(base + HpetRegisters.tnCmp(0), 8, start + HPET_PERIOD_TICKS);
        hpet.write(base + HpetRegisters.tnCmp(0), 8, HPET_PERIOD_TICKS);

        PeriodicTime lapic1 = new PeriodicTime("lapic1", IrqSource.IOAPIC);
        vcpus[1] = new GuestVcpu(1, IrqSource.IOAPIC, 4 * MS, 1, () -> platform.vcpu(1).guestTime(),
                seed ^ 0x9E3779B97F4A7C15L);
        vcpus[1].startCounting();
        platform.create(lapic1, platform.vcpu(1), 4 * MS, 4 * MS, 23, null, false);

        runner.add(queue);
        runner.add(vcpus[0]);
        runner.add(vcpus[1]);
        runner.addInvariant(() -> {
            for (GuestVcpu v : vcpus) {
                v.checkMonotonic();
            }
        });
    }

    void runFor(long ns) {
        runner.runFor(ns);
    }
}
