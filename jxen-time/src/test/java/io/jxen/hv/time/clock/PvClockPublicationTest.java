package io.jxen.hv.time.clock;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.abi.xen.VcpuTimeInfoFlyweight;
import io.jxen.hypercall.pvclock.PvClockReader;
import io.jxen.sim.Seeds;
import io.jxen.sim.VirtualClock;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Publication of vcpu_time_info and the guest reader: reader(publication(t)) is t. */
class PvClockPublicationTest {

    private static MemorySegment page() {
        return Arena.ofAuto().allocate(4096, 4096);
    }

    /** Worst error of one read: a tick at each end, the truncated fraction, and a dropped shift. */
    private static long bound(long hz, TimeScale scale, long deltaNs) {
        long tickNs = 1_000_000_000L / hz + 1;
        long shiftLoss = scale.shift() < 0 ? tickNs << -scale.shift() : 0;
        return 2 * tickNs + shiftLoss + (deltaNs >>> 30) + 2;
    }

    @Property
    void readerOfPublicationIsSystemTime(
            @ForAll @LongRange(min = 1_000_000, max = 9_000_000_000L) long hz,
            @ForAll @LongRange(min = 0, max = 1L << 50) long offsetTicks,
            @ForAll @LongRange(min = 0, max = 1_000_000_000_000_000L) long stampNs,
            @ForAll @LongRange(min = 0, max = 10_000_000_000L) long deltaNs) {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(hz, true), hz, offsetTicks);
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = page();
        clock.advance(stampNs);
        publisher.addArea(page, 32);
        clock.advance(deltaNs);
        PvClockReader reader = new PvClockReader(page, 32, () -> tsc.tscAt(systemTime.now()),
                new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        long read = reader.readRaw();
        long truth = systemTime.now();
        assertThat(Math.abs(read - truth)).isLessThanOrEqualTo(bound(hz, tsc.scale(), deltaNs));
        assertThat(reader.lastFlags()).isEqualTo(PvClockFlags.TSC_STABLE_BIT);
    }

    @Test
    void tupleFieldsAndVersionAfterPublication() {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(3_000_000_000L, false), 3_000_000_000L, 1000);
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = page();
        clock.advance(5_000);
        publisher.addArea(page, 0);
        VcpuTimeInfoFlyweight view = new VcpuTimeInfoFlyweight().wrap(page, 0);
        assertThat(view.getVersionAcquire()).isEqualTo(2);
        assertThat(view.getSystemTimeNs()).isEqualTo(5_000);
        assertThat(view.getTscTimestamp()).isEqualTo(1000 + 15_000);
        assertThat(view.getTscToSystemMul()).isEqualTo(0xAAAA_AAAA);
        assertThat(view.getTscShift()).isEqualTo((byte) -1);
        assertThat(view.getFlags()).isZero(); // not a TSC clocksource: no stable bit
        // An unchanged tuple is skipped unless forced, as __update_vcpu_system_time does.
        publisher.publish(false);
        assertThat(view.getVersionAcquire()).isEqualTo(2);
        publisher.onMovedToHostThread();
        assertThat(view.getVersionAcquire()).isEqualTo(4);
        // A guest that scribbled an odd version still sees odd-then-even.
        view.setVersionRelease(7);
        publisher.publish(true);
        assertThat(view.getVersionAcquire()).isEqualTo(10);
    }

    @Test
    void monotonicAcrossRefreshesAndVcpus() {
        Seeds.run(seed -> {
            SplittableRandom random = new SplittableRandom(seed);
            VirtualClock clock = new VirtualClock(0);
            SystemTime systemTime = new SystemTime(clock);
            long hz = 1_000_000L + random.nextLong(4_000_000_000L);
            DomainTsc tsc = new DomainTsc(new TscModel(hz, false), hz, random.nextLong(1L << 40));
            MemorySegment page = page();
            PvClockRefresher refresher = new PvClockRefresher(systemTime, 1_000_000L);
            PvClockReader.Monotonic shared = new PvClockReader.Monotonic();
            int vcpus = 4;
            PvClockReader[] readers = new PvClockReader[vcpus];
            VcpuTimePublisher[] publishers = new VcpuTimePublisher[vcpus];
            for (int v = 0; v < vcpus; v++) {
                publishers[v] = new VcpuTimePublisher(systemTime, tsc);
                publishers[v].addArea(page, 32L * v);
                refresher.register(publishers[v]);
                readers[v] = new PvClockReader(page, 32L * v, () -> tsc.tscAt(systemTime.now()), shared, 0);
            }
            long last = Long.MIN_VALUE;
            long lastRaw = Long.MIN_VALUE;
            long rawBackStepMax = 0;
            long tickNs = 1_000_000_000L / hz + 1;
            for (int step = 0; step < 20_000; step++) {
                clock.advance(random.nextLong(2_000_000L));
                refresher.doWork();
                int v = random.nextInt(vcpus);
                if (random.nextInt(10) == 0) {
                    publishers[v].onMovedToHostThread();
                }
                long raw = readers[v].readRaw();
                if (lastRaw != Long.MIN_VALUE) {
                    rawBackStepMax = Math.max(rawBackStepMax, lastRaw - raw);
                }
                lastRaw = raw;
                long now = readers[v].read();
                assertThat(now).as("clamped read at step %d", step).isGreaterThanOrEqualTo(last);
                assertThat(Math.abs(now - systemTime.now())).isLessThanOrEqualTo(
                        bound(hz, tsc.scale(), 2_000_000L) + 2_000_000L);
                last = now;
            }
            // Without the clamp a fresh stamp may step back, but by less than the tick rounding.
            assertThat(rawBackStepMax).isLessThanOrEqualTo(2 * tickNs + 2);
        });
    }

    @Test
    void seqlockReaderNeverSeesATornTuple() throws Exception {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(2_500_000_000L, true));
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = Arena.ofShared().allocate(4096, 4096);
        publisher.addArea(page, 0);
        PvClockReader reader = new PvClockReader(page, 0, () -> 0L, new PvClockReader.Monotonic(), 0);
        int writes = 200_000;
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < writes; i++) {
                clock.advance(7);
                publisher.publish(true);
            }
        });
        long reads = 0;
        while (writer.isAlive() || reads < 1000) {
            PvClockReader.Tuple tuple = reader.readTuple();
            assertThat(tuple.tscTimestamp()).isEqualTo(tsc.tscAt(tuple.systemTimeNs()));
            assertThat(tuple.version() & 1).isZero();
            reads++;
        }
        writer.join();
        assertThat(reader.readTuple().systemTimeNs()).isEqualTo(7L * writes);
    }
}
