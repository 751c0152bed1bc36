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

import io.jxen.runtime.Clock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

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

    /** A clock two threads may share (VirtualClock is single-threaded). */
    private static final class SharedClock implements Clock {
        final AtomicLong nanos = new AtomicLong();

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        @Override
        public long epochNanos() {
            return nanos.get();
        }
    }

    /**
     * The hot read (readRaw) against a concurrent publisher whose successive stamps are a
     * millisecond apart: a tuple mixing two publications would be off by about a millisecond,
     * a consistent one is within the rounding bound of the instant the TSC was sampled at.
     */
    @Test
    void readRawAgainstAConcurrentPublisherIsExact() throws Exception {
        SharedClock clock = new SharedClock();
        SystemTime systemTime = new SystemTime(clock);
        long hz = 2_500_000_000L;
        DomainTsc tsc = new DomainTsc(new TscModel(hz, true));
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = Arena.ofShared().allocate(4096, 4096);
        publisher.addArea(page, 64);
        long[] sampledAt = new long[1];
        PvClockReader reader = new PvClockReader(page, 64, () -> {
            sampledAt[0] = systemTime.now();
            return tsc.tscAt(sampledAt[0]);
        }, new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        int writes = 100_000;
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < writes; i++) {
                clock.nanos.addAndGet(1_000_003);
                publisher.publish(true);
            }
        });
        long bound = bound(hz, tsc.scale(), 2_000_000L);
        long reads = 0;
        while (writer.isAlive() || reads < 1000) {
            long read = reader.readRaw();
            assertThat(Math.abs(read - sampledAt[0])).as("read %d", reads).isLessThanOrEqualTo(bound);
            reads++;
        }
        writer.join();
    }

    /** An update that lands between the reader's two version loads makes it retry with the new tuple. */
    @Test
    void readRawRetriesWhenTheVersionMovesUnderIt() {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(2_500_000_000L, true));
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = page();
        clock.advance(1_000_000);
        publisher.addArea(page, 0);
        int[] calls = new int[1];
        PvClockReader reader = new PvClockReader(page, 0, () -> {
            if (calls[0]++ == 0) {
                // Xen publishes a whole new stamp while the guest samples its TSC
                clock.advance(5_000_000);
                publisher.publish(true);
            }
            return tsc.tscAt(systemTime.now());
        }, new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        long read = reader.readRaw();
        assertThat(calls[0]).isEqualTo(2);
        assertThat(reader.retries()).isEqualTo(1);
        assertThat(Math.abs(read - systemTime.now())).isLessThanOrEqualTo(bound(2_500_000_000L, tsc.scale(), 0));
    }

    /** A read that starts on an odd version (an update in progress) does not return until it is even. */
    @Test
    void readRawWaitsOutAnOddVersion() {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(2_500_000_000L, true));
        VcpuTimePublisher publisher = new VcpuTimePublisher(systemTime, tsc);
        MemorySegment page = page();
        clock.advance(3_000_000);
        publisher.addArea(page, 0);
        VcpuTimeInfoFlyweight view = new VcpuTimeInfoFlyweight().wrap(page, 0);
        int even = view.getVersionAcquire();
        long systemBefore = view.getSystemTimeNs();
        view.setVersionRelease(even + 1);                       // update in progress
        view.setSystemTimeNs(systemBefore + 7_000_000);         // torn: stamp not yet moved
        int[] calls = new int[1];
        PvClockReader reader = new PvClockReader(page, 0, () -> {
            if (calls[0]++ == 1) {
                // the second try's TSC sample: Xen finishes the update meanwhile
                view.setSystemTimeNs(systemBefore);
                view.setVersionRelease(even + 2);
            }
            return tsc.tscAt(systemTime.now());
        }, new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        long read = reader.readRaw();
        // try 1: odd version, retry; try 2: version moved (odd -> even + 2), retry; try 3: clean
        assertThat(calls[0]).isEqualTo(3);
        assertThat(reader.retries()).isEqualTo(2);
        assertThat(Math.abs(read - systemTime.now())).isLessThanOrEqualTo(bound(2_500_000_000L, tsc.scale(), 0));
    }
}
