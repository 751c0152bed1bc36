package io.jxen.hv.time.clock;

import io.jxen.runtime.SystemClock;
import io.jxen.sim.VirtualClock;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link DomainTsc#rdtsc(SystemTime)} is {@code tscAt(systemTime.now())}, on either clock. */
class DomainTscTest {

    @Property(tries = 1_000)
    void rdtscIsTheTscAtSystemTimeNow(@ForAll @LongRange(min = 1, max = 9_000_000_000L) long hz,
                                      @ForAll @LongRange(min = 0, max = 1L << 50) long offsetTicks,
                                      @ForAll @LongRange(min = 0, max = 1L << 62) long elapsed) {
        VirtualClock clock = new VirtualClock(0);
        SystemTime systemTime = new SystemTime(clock);
        DomainTsc tsc = new DomainTsc(new TscModel(hz, true), hz, offsetTicks);
        LongSupplier rdtsc = tsc.rdtsc(systemTime);
        clock.advance(elapsed);
        assertThat(rdtsc.getAsLong()).isEqualTo(tsc.tscAt(systemTime.now()))
                .isEqualTo(offsetTicks + TscModel.ticks(elapsed, hz));
    }

    @Test
    void onTheHostClockRdtscLiesBetweenTwoReadingsAndFollowsTheOffset() {
        SystemTime systemTime = new SystemTime(SystemClock.INSTANCE);
        for (long hz : new long[] {2_500_000_000L, 2_399_999_999L, 1_000_000L}) {
            DomainTsc tsc = new DomainTsc(new TscModel(hz, true), hz, 1L << 40);
            LongSupplier rdtsc = tsc.rdtsc(systemTime);
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < 10_000; i++) {
                long before = tsc.tscAt(systemTime.now());
                long value = rdtsc.getAsLong();
                long after = tsc.tscAt(systemTime.now());
                assertThat(value).isBetween(before, after).isGreaterThanOrEqualTo(previous);
                previous = value;
            }
            // a new offset (XEN_DOMCTL_settscinfo) is seen by the supplier handed out before
            tsc.setOffsetTicks(1L << 50);
            long before = tsc.tscAt(systemTime.now());
            assertThat(rdtsc.getAsLong()).isBetween(before, tsc.tscAt(systemTime.now()));
        }
    }
}
