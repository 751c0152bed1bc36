package io.jxen.hv.time.vpt;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.sim.VirtualClock;

import java.util.ArrayList;
import java.util.List;

/** A domain's platform time on a virtual clock, with interrupt lines and kicks recorded. */
public final class TestPlatform {

    /** Records line levels and edges. */
    public static final class Lines implements IrqLine {
        /** Every assert, as "ISA:0", "IOAPIC:20". */
        public final List<String> asserts = new ArrayList<>();
        private final java.util.Set<String> high = new java.util.HashSet<>();
        /** Lines reported masked. */
        public final java.util.Set<String> maskedLines = new java.util.HashSet<>();

        @Override
        public void assertIrq(IrqSource source, int irq) {
            asserts.add(source + ":" + irq);
            high.add(source + ":" + irq);
        }

        @Override
        public void deassertIrq(IrqSource source, int irq) {
            high.remove(source + ":" + irq);
        }

        @Override
        public boolean masked(IrqSource source, int irq) {
            return maskedLines.contains(source + ":" + irq);
        }

        /** Whether a line is high. */
        public boolean isHigh(IrqSource source, int irq) {
            return high.contains(source + ":" + irq);
        }

        /** How many times a line was asserted. */
        public long count(IrqSource source, int irq) {
            String key = source + ":" + irq;
            return asserts.stream().filter(key::equals).count();
        }
    }

    public final VirtualClock clock = new VirtualClock(0);
    public final SystemTime systemTime = new SystemTime(clock);
    public final TimerQueue queue = new TimerQueue(systemTime, "timers");
    public final Lines lines = new Lines();
    public final List<Integer> kicks = new ArrayList<>();
    public final PlatformTime platform;

    public TestPlatform(int vcpus) {
        platform = new PlatformTime(systemTime, queue, lines, kicks::add, vcpus);
    }

    /** Advances to {@code t} (host system time), firing every alarm at its deadline. */
    public void runTo(long t) {
        while (true) {
            long next = queue.nextDeadline();
            if (next > t) {
                break;
            }
            clock.advanceTo(next);
            queue.doWork();
        }
        clock.advanceTo(t);
        queue.doWork();
    }

    /** Advances by {@code ns}. */
    public void advance(long ns) {
        runTo(systemTime.now() + ns);
    }

    /**
     * Enters the guest on {@code vcpu} until no tick is pending, accepting each at once.
     *
     * @return ticks delivered
     */
    public int deliverAll(VcpuPlatformTime vcpu) {
        int delivered = 0;
        while (true) {
            int irq = vcpu.updateIrq();
            if (irq < 0) {
                return delivered;
            }
            PeriodicTime issued = vcpu.timers().stream().filter(pt -> pt.irqIssued).findFirst().orElse(null);
            if (issued != null) {
                vcpu.intrPost(issued.source(), irq);
            }
            delivered++;
        }
    }
}
