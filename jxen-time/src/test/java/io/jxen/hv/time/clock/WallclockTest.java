package io.jxen.hv.time.clock;

import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.SharedInfoFlyweight;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared_info wallclock: wall time at system time 0, per-domain offset, settime. */
class WallclockTest {

    @Test
    void publishesWallTimeAtBootAndSettimeRebases() {
        long epoch = 1_767_225_600_123_456_789L;
        VirtualClock clock = new VirtualClock(epoch);
        SystemTime systemTime = new SystemTime(clock);
        Wallclock wallclock = new Wallclock(systemTime);
        MemorySegment page = Arena.ofAuto().allocate(4096, 4096);
        Wallclock.DomainWallclock domain = wallclock.attach(page, 0);
        SharedInfoFlyweight si = new SharedInfoFlyweight().wrap(page, 0);
        assertThat(si.getWcVersionAcquire()).isEqualTo(2);
        assertThat(si.getWcSec()).isEqualTo(1_767_225_600L);
        assertThat(si.getWcNsec()).isEqualTo(123_456_789);

        // do_settime: at system time 10 s the wall time is 2^33 s + 5 ns, so at boot it was
        // 2^33 - 10 s + 5 ns; wc_sec_hi carries the top bits.
        clock.advance(10_000_000_000L);
        wallclock.settime(1L << 33, 5, systemTime.now());
        assertThat(si.getWcSec()).isEqualTo((1L << 33) - 10);
        assertThat(si.getWcNsec()).isEqualTo(5);
        assertThat(page.get(java.lang.foreign.ValueLayout.JAVA_INT, SharedInfoDescriptor.WC_SEC_HI_OFFSET)).isEqualTo(1); // (2^33 - 10) >> 32
        assertThat(si.getWcVersionAcquire()).isEqualTo(4);
        // Guests compute wc + system_time.
        assertThat(si.getWcSec() * 1_000_000_000L + si.getWcNsec() + systemTime.now())
                .isEqualTo((1L << 33) * 1_000_000_000L + 5);

        domain.setTimeOffsetSeconds(-3600);
        assertThat(si.getWcSec()).isEqualTo((1L << 33) - 10 - 3600);
        assertThat(si.getWcVersionAcquire()).isEqualTo(6);

        // Settime with a system time base that borrows from the seconds.
        wallclock.settime(100, 0, 1);
        assertThat(wallclock.wallAtBootNanos()).isEqualTo(99_999_999_999L);
        assertThat(si.getWcSec()).isEqualTo(99 - 3600);
        assertThat(si.getWcNsec()).isEqualTo(999_999_999);

        domain.close();
        wallclock.settime(5, 0, 0);
        assertThat(si.getWcVersionAcquire()).isEqualTo(8);
    }
}
