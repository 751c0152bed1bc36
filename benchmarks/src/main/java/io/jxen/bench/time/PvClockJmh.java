package io.jxen.bench.time;

import io.jxen.abi.xen.PvClockFlags;
import io.jxen.hypercall.pvclock.PvClockReader;
import io.jxen.hv.time.clock.DomainTsc;
import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.clock.TscModel;
import io.jxen.hv.time.clock.VcpuTimePublisher;
import io.jxen.runtime.SystemClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A guest's pvclock read (seqlock, TSC sample, scale_delta), with and without the cross-vCPU
 * monotonic clamp, against a bare {@link System#nanoTime()} in the same run. The guest's TSC
 * is the model's, itself a function of {@code System.nanoTime()}, so the difference between
 * the two is the cost of the pvclock protocol.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PvClockJmh {

    private PvClockReader stable;
    private PvClockReader clamped;
    private PvClockReader protocolOnly;
    private DomainTsc tsc;
    private SystemTime systemTime;
    private LongSupplier rdtsc;
    private long fakeTsc;
    private PvClockReader stableLambdaTsc;

    @Setup(Level.Trial)
    public void setUp() {
        systemTime = new SystemTime(SystemClock.INSTANCE);
        tsc = new DomainTsc(new TscModel(2_500_000_000L, true));
        MemorySegment page = Arena.ofAuto().allocate(4096, 4096);
        new VcpuTimePublisher(systemTime, tsc).addArea(page, 0);
        // The guest's rdtsc as the domain hands it out: DomainTsc.rdtsc(SystemTime).
        rdtsc = tsc.rdtsc(systemTime);
        stable = new PvClockReader(page, 0, rdtsc, new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        clamped = new PvClockReader(page, 0, tsc.rdtsc(systemTime), new PvClockReader.Monotonic(), 0);
        // A/B, same run: the same TSC through a lambda over this object's fields, as the bench
        // wired it before DomainTsc.rdtsc (three object hops and an interface call more).
        stableLambdaTsc = new PvClockReader(page, 0, () -> tsc.tscAt(systemTime.now()),
                new PvClockReader.Monotonic(), PvClockFlags.TSC_STABLE_BIT);
        // The same read with a TSC that costs one add (a stand-in for a hardware rdtsc): what
        // the pvclock protocol itself costs, without the host clock under the TSC model.
        protocolOnly = new PvClockReader(page, 0, () -> fakeTsc += 3, new PvClockReader.Monotonic(),
                PvClockFlags.TSC_STABLE_BIT);
    }

    /** The protocol alone: seqlock, three loads, scale_delta, with a one-add TSC. */
    @Benchmark
    public long pvclockReadProtocolOnly() {
        return protocolOnly.read();
    }

    /** The guest's rdtsc alone (the TSC model over System.nanoTime). */
    @Benchmark
    public long rdtsc() {
        return rdtsc.getAsLong();
    }

    /** {@link #pvclockRead()} with the TSC through a lambda over this object (A/B, same run). */
    @Benchmark
    public long pvclockReadLambdaTsc() {
        return stableLambdaTsc.read();
    }

    /** A read on a stable TSC: no clamp, as Linux's vDSO path. */
    @Benchmark
    public long pvclockRead() {
        return stable.read();
    }

    /** A read with the compare-and-swap clamp (TSC not marked stable). */
    @Benchmark
    public long pvclockReadClamped() {
        return clamped.read();
    }

    /** The floor: the host clock alone. */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
