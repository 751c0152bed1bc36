package io.jxen.bench.time;

import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.hpet.Hpet;
import io.jxen.hv.time.hpet.HpetRegisters;
import io.jxen.hv.time.platform.Pit;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PlatformTime;
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

import java.util.concurrent.TimeUnit;

/**
 * A guest's 64-bit MMIO read of the HPET main counter (access checks, the domain lock, guest
 * time, the tick conversion), against a bare {@link System#nanoTime()} in the same run. The
 * MMIO exit itself (decode, dispatch) is not included: that is the hypervisor's path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HpetJmh {

    private Hpet hpet;

    @Setup(Level.Trial)
    public void setUp() {
        SystemTime systemTime = new SystemTime(SystemClock.INSTANCE);
        IrqLine lines = new IrqLine() {
            @Override
            public void assertIrq(IrqSource source, int irq) {
            }

            @Override
            public void deassertIrq(IrqSource source, int irq) {
            }
        };
        PlatformTime platform = new PlatformTime(systemTime, new TimerQueue(systemTime, "bench-timers"), lines,
                vcpu -> { }, 1);
        hpet = new Hpet(platform, lines, new Pit(platform));
        hpet.write(HpetRegisters.BASE_ADDRESS + HpetRegisters.CFG, 8, HpetRegisters.CFG_ENABLE);
    }

    /** MMIO read of the main counter, 8 bytes. */
    @Benchmark
    public long counterRead() {
        return hpet.read(HpetRegisters.BASE_ADDRESS + HpetRegisters.COUNTER, 8);
    }

    /** The floor: the host clock alone. */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
