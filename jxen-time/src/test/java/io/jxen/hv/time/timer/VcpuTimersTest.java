package io.jxen.hv.time.timer;

import io.jxen.abi.XenErrno;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;
import io.jxen.hv.time.clock.SystemTime;
import io.jxen.sim.Seeds;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** VCPUOP timer semantics on a virtual clock; events are recorded with their delivery time. */
class VcpuTimersTest {

    private static final long MS = 1_000_000L;

    private VirtualClock clock;
    private SystemTime systemTime;
    private TimerQueue queue;
    private final List<long[]> events = new ArrayList<>(); // {vcpu, time}

    @BeforeEach
    void setUp() {
        clock = new VirtualClock(0);
        systemTime = new SystemTime(clock);
        queue = new TimerQueue(systemTime, "timers");
        events.clear();
    }

    private VcpuTimers timers(SingleshotPolicy policy, boolean pv) {
        return new VcpuTimers(1, queue, vcpu -> events.add(new long[] {vcpu, systemTime.now()}), policy, pv);
    }

    /** Advances to {@code t}, firing every timer at its exact deadline on the way. */
    private void runTo(long t) {
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

    private List<Long> times() {
        return events.stream().map(e -> e[1]).toList();
    }

    @Test
    void xen417FutureFlagRejectsPastDeadlineWithEtime() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        clock.advance(10 * MS);
        assertThat(t.setSingleshotTimer(5 * MS, VcpuSingleshotFlags.FUTURE)).isEqualTo(-XenErrno.ETIME);
        assertThat(t.singleshotArmed()).isFalse();
        runTo(20 * MS);
        assertThat(events).isEmpty();
        // Without the flag a past deadline is armed and fires at once.
        assertThat(t.setSingleshotTimer(5 * MS, 0)).isZero();
        queue.doWork();
        assertThat(times()).containsExactly(20 * MS);
        // A deadline equal to now is not in the past (timeout < NOW() is false).
        assertThat(t.setSingleshotTimer(systemTime.now(), VcpuSingleshotFlags.FUTURE)).isZero();
    }

    @Test
    void xen418IgnoresFutureFlagAndSendsAtOnce() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_18, false);
        clock.advance(10 * MS);
        t.setSingleshotTimer(50 * MS, 0);
        assertThat(t.setSingleshotTimer(5 * MS, VcpuSingleshotFlags.FUTURE)).isZero();
        assertThat(times()).containsExactly(10 * MS); // synchronously, and the old timer stopped
        assertThat(t.singleshotArmed()).isFalse();
        runTo(100 * MS);
        assertThat(events).hasSize(1);
    }

    @Test
    void singleshotFiresAtItsDeadlineOnceAndStopCancels() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        t.setSingleshotTimer(3 * MS, VcpuSingleshotFlags.FUTURE);
        runTo(3 * MS - 1);
        assertThat(events).isEmpty();
        runTo(10 * MS);
        assertThat(times()).containsExactly(3 * MS);
        assertThat(events.getFirst()[0]).isEqualTo(1);
        t.setSingleshotTimer(12 * MS, 0);
        t.setSingleshotTimer(15 * MS, 0); // re-arming replaces the deadline
        assertThat(t.stopSingleshotTimer()).isZero();
        runTo(30 * MS);
        assertThat(events).hasSize(1);
        t.setSingleshotTimer(40 * MS, 0);
        t.setSingleshotTimer(35 * MS, 0);
        runTo(50 * MS);
        assertThat(times()).containsExactly(3 * MS, 35 * MS);
    }

    @Test
    void periodicRejectsUnderOneMillisecondAndAboveStimeDeltaMax() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        assertThat(t.setPeriodicTimer(MS - 1)).isEqualTo(-XenErrno.EINVAL);
        assertThat(t.setPeriodicTimer(0)).isEqualTo(-XenErrno.EINVAL);
        assertThat(t.setPeriodicTimer(-1L)).isEqualTo(-XenErrno.EINVAL); // 2^64 - 1 unsigned
        assertThat(t.setPeriodicTimer(VcpuTimers.STIME_DELTA_MAX + 1)).isEqualTo(-XenErrno.EINVAL);
        assertThat(t.setPeriodicTimer(VcpuTimers.STIME_DELTA_MAX)).isZero();
        assertThat(t.setPeriodicTimer(MS)).isZero();
        assertThat(t.periodNs()).isEqualTo(MS);
    }

    @Test
    void periodicTicksEveryPeriodAndCollapsesMissedOnes() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        clock.advance(1 * MS);
        t.setPeriodicTimer(4 * MS); // last event 0, now 1 ms < 4 ms: first tick at 4 ms
        runTo(13 * MS);
        assertThat(times()).containsExactly(4 * MS, 8 * MS, 12 * MS);
        t.onDeschedule();
        runTo(31 * MS);
        assertThat(events).hasSize(3);
        t.onReschedule(); // missed 16..28 collapse into one tick now, next at now + period
        runTo(36 * MS);
        assertThat(times()).containsExactly(4 * MS, 8 * MS, 12 * MS, 31 * MS, 35 * MS);
        t.stopPeriodicTimer();
        runTo(100 * MS);
        assertThat(events).hasSize(5);
    }

    @Test
    void setPeriodicLateAfterBootTicksImmediately() {
        // periodic_last_event starts at 0: at 50 ms a 10 ms period is already due.
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        clock.advance(50 * MS);
        t.setPeriodicTimer(10 * MS);
        assertThat(times()).containsExactly(50 * MS);
        runTo(61 * MS);
        assertThat(times()).containsExactly(50 * MS, 60 * MS);
    }

    @Test
    void pvVcpuHasTheLegacyHundredHertzTickUntilStopped() {
        VcpuTimers pv = timers(SingleshotPolicy.XEN_4_17, true);
        assertThat(pv.periodNs()).isEqualTo(VcpuTimers.PV_DEFAULT_PERIOD_NS);
        pv.onReschedule(); // first scheduled at 0: first tick at 10 ms
        runTo(1000 * MS);
        assertThat(events).hasSize(100);
        assertThat(times().get(0)).isEqualTo(10 * MS);
        assertThat(pv.stopPeriodicTimer()).isZero();
        runTo(2000 * MS);
        assertThat(events).hasSize(100);

        events.clear();
        VcpuTimers hvm = new VcpuTimers(2, queue, vcpu -> events.add(new long[] {vcpu, 0}),
                SingleshotPolicy.XEN_4_17, false);
        hvm.onReschedule();
        runTo(3000 * MS);
        assertThat(events).isEmpty();
    }

    @Test
    void setTimerOpCancelsOnZeroAndClampsAbsurdTimeouts() {
        VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
        clock.advance(MS);
        t.setTimerOp(5 * MS);
        t.setTimerOp(0);
        runTo(10 * MS);
        assertThat(events).isEmpty();
        t.setTimerOp(-5); // wrapped negative: in 100 ms
        runTo(200 * MS);
        assertThat(times()).containsExactly(110 * MS);
        t.setTimerOp(systemTime.now() + (1L << 50)); // 2^50 ahead: also 100 ms
        runTo(400 * MS);
        assertThat(times()).containsExactly(110 * MS, 300 * MS);
        t.setTimerOp(systemTime.now() + (1L << 50) - 1); // just under: armed as asked
        assertThat(queue.nextDeadline()).isEqualTo(400 * MS + (1L << 50) - 1);
    }

    @Test
    void guestProgrammingRandomOneShotsGetsEachAtItsDeadline() {
        Seeds.run(seed -> {
            setUp();
            SplittableRandom random = new SplittableRandom(seed);
            VcpuTimers t = timers(SingleshotPolicy.XEN_4_17, false);
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                long deadline = systemTime.now() + 100_000 + random.nextLong(5 * MS);
                int rc = t.setSingleshotTimer(deadline, VcpuSingleshotFlags.FUTURE);
                assertThat(rc).isZero();
                if (random.nextInt(8) == 0) {
                    t.stopSingleshotTimer();
                    clock.advance(random.nextLong(MS));
                    queue.doWork();
                    continue;
                }
                expected.add(deadline);
                runTo(deadline + random.nextLong(10_000));
            }
            assertThat(times()).isEqualTo(expected);
        });
    }
}
