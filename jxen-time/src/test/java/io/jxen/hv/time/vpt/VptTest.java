package io.jxen.hv.time.vpt;

import io.jxen.abi.XenErrno;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The vpt core: guest time, freeze/thaw, and the four missed-tick policies, tick by tick. */
class VptTest {

    private static final long MS = 1_000_000L;

    private final TestPlatform t = new TestPlatform(2);
    private final VcpuPlatformTime v0 = t.platform.vcpu(0);
    private final PeriodicTime pt = new PeriodicTime("test", IrqSource.ISA);
    private int callbacks;

    private void start(TimerMode mode) {
        t.platform.setMode(mode);
        t.platform.create(pt, v0, 10 * MS, 10 * MS, 0, v -> callbacks++, false);
    }

    @Test
    void guestTimeStartsAtZeroAndFollowsHostTime() {
        t.advance(5 * MS);
        assertThat(v0.guestTime()).isEqualTo(5 * MS);
        v0.setGuestTime(100 * MS);
        assertThat(v0.guestTime()).isEqualTo(100 * MS);
        assertThat(t.platform.vcpu(1).guestTime()).isEqualTo(5 * MS); // offsets are per vCPU
    }

    @Test
    void timerModeParamAcceptsOnlyTheFourPolicies() {
        assertThat(t.platform.setTimerModeParam(2)).isZero();
        assertThat(t.platform.mode()).isEqualTo(TimerMode.NO_MISSED_TICKS_PENDING);
        assertThat(t.platform.setTimerModeParam(4)).isEqualTo(-XenErrno.EINVAL);
        assertThat(t.platform.setTimerModeParam(-1)).isEqualTo(-XenErrno.EINVAL);
        assertThat(t.platform.mode()).isEqualTo(TimerMode.NO_MISSED_TICKS_PENDING);
        assertThat(TimerMode.ofParam(0)).isEqualTo(TimerMode.DELAY_FOR_MISSED_TICKS);
    }

    @Test
    void ticksEveryPeriodWhileRunningInEveryMode() {
        for (TimerMode mode : TimerMode.values()) {
            TestPlatform p = new TestPlatform(1);
            p.platform.setMode(mode);
            PeriodicTime channel = new PeriodicTime("c", IrqSource.ISA);
            p.platform.create(channel, p.platform.vcpu(0), 10 * MS, 10 * MS, 0, null, false);
            int ticks = 0;
            for (int i = 0; i < 100; i++) {
                p.advance(MS);
                ticks += p.deliverAll(p.platform.vcpu(0));
            }
            assertThat(ticks).as(mode.name()).isEqualTo(10);
            assertThat(channel.lastPlatformGuestTime()).as(mode.name()).isEqualTo(100 * MS);
            assertThat(p.lines.count(IrqSource.ISA, 0)).isEqualTo(10);
            assertThat(p.kicks).hasSize(10);
        }
    }

    @Test
    void periodUnderOneHundredMicrosecondsIsRaised() {
        t.platform.create(pt, v0, 0, 10_000, 0, null, false);
        assertThat(pt.period()).isEqualTo(PlatformTime.MIN_PERIOD_NS);
    }

    @Test
    void delayForMissedTicksFreezesGuestTimeAndStepsItPerDeliveredTick() {
        start(TimerMode.DELAY_FOR_MISSED_TICKS);
        t.advance(25 * MS);
        assertThat(t.deliverAll(v0)).isEqualTo(2);
        v0.deschedule(false);
        long frozen = v0.guestTime();
        t.advance(55 * MS); // ticks at 30..80 ms fall due while off the CPU
        assertThat(pt.pendingIntrNr()).isZero(); // the alarm was stopped
        v0.reschedule();
        assertThat(v0.guestTime()).isEqualTo(frozen); // thawed: the 55 ms do not show
        assertThat(pt.pendingIntrNr()).isEqualTo(6);
        for (int i = 1; i <= 6; i++) {
            assertThat(v0.updateIrq()).isZero();
            v0.intrPost(IrqSource.ISA, 0);
            // pt_irq_fired: last_plt_gtime += period, guest time stepped up to it.
            assertThat(pt.lastPlatformGuestTime()).isEqualTo((20 + 10 * i) * MS);
            assertThat(v0.guestTime()).isEqualTo(Math.max(frozen, (20 + 10 * i) * MS));
        }
        assertThat(v0.updateIrq()).isEqualTo(-1);
        assertThat(callbacks).isEqualTo(8);
        // Guest time caught up with the ticks: 8 ticks of 10 ms = 80 ms, the host is at 80 ms.
        assertThat(v0.guestTime()).isEqualTo(80 * MS);
        t.advance(10 * MS);
        assertThat(t.deliverAll(v0)).isEqualTo(1);
        assertThat(v0.guestTime()).isEqualTo(90 * MS);
    }

    @Test
    void noDelayForMissedTicksDeliversBacklogWhileGuestTimeRuns() {
        start(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        t.advance(25 * MS);
        t.deliverAll(v0);
        v0.deschedule(false);
        t.advance(55 * MS);
        v0.reschedule();
        assertThat(v0.guestTime()).isEqualTo(80 * MS); // not frozen
        assertThat(pt.pendingIntrNr()).isEqualTo(6);
        assertThat(t.deliverAll(v0)).isEqualTo(6);
        assertThat(v0.guestTime()).isEqualTo(80 * MS); // not stepped
        assertThat(pt.lastPlatformGuestTime()).isEqualTo(80 * MS);
    }

    @Test
    void oneMissedTickPendingCollapsesTheBacklog() {
        start(TimerMode.ONE_MISSED_TICK_PENDING);
        t.advance(25 * MS);
        t.deliverAll(v0);
        v0.deschedule(false);
        t.advance(55 * MS);
        v0.reschedule();
        assertThat(pt.pendingIntrNr()).isEqualTo(6);
        assertThat(t.deliverAll(v0)).isEqualTo(1); // one late tick for all six
        assertThat(pt.lastPlatformGuestTime()).isEqualTo(80 * MS);
        t.advance(10 * MS);
        assertThat(t.deliverAll(v0)).isEqualTo(1);
    }

    @Test
    void noMissedTicksPendingDropsMissedTicksAndKeepsTheAlarmRunning() {
        start(TimerMode.NO_MISSED_TICKS_PENDING);
        t.advance(25 * MS);
        t.deliverAll(v0);
        v0.deschedule(false);
        t.advance(55 * MS);
        v0.reschedule();
        assertThat(pt.pendingIntrNr()).isZero(); // none held pending
        assertThat(pt.scheduled()).isEqualTo(90 * MS);
        assertThat(t.deliverAll(v0)).isZero();
        // do_not_freeze is now set: the next deschedule leaves the alarm running, and the
        // tick that falls due is held (one at most) for the next entry.
        v0.deschedule(false);
        t.advance(40 * MS);
        assertThat(pt.pendingIntrNr()).isEqualTo(1);
        v0.reschedule();
        assertThat(t.deliverAll(v0)).isEqualTo(1);
        assertThat(pt.lastPlatformGuestTime()).isEqualTo(120 * MS);
    }

    @Test
    void blockedVcpuKeepsItsTimersRunning() {
        start(TimerMode.DELAY_FOR_MISSED_TICKS);
        v0.deschedule(true);
        t.advance(35 * MS);
        assertThat(pt.pendingIntrNr()).isEqualTo(1); // fired while blocked; re-armed once delivered
        assertThat(t.kicks).containsExactly(0);
        v0.reschedule();
        assertThat(t.deliverAll(v0)).isEqualTo(3);
    }

    @Test
    void maskedEdgeTimerIsSuspendedUntilUnmasked() {
        start(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        t.lines.maskedLines.add("ISA:0");
        t.advance(15 * MS);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        assertThat(pt.onList()).isFalse();
        t.lines.maskedLines.clear();
        t.platform.mayUnmaskIrq();
        assertThat(pt.onList()).isTrue();
        assertThat(t.deliverAll(v0)).isEqualTo(1);
    }

    @Test
    void oneShotIsRemovedOnceDelivered() {
        t.platform.create(pt, v0, 3 * MS, 0, 8, v -> callbacks++, false);
        t.advance(2 * MS);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        t.advance(2 * MS);
        assertThat(v0.updateIrq()).isEqualTo(8);
        assertThat(v0.intrPost(IrqSource.ISA, 8)).isTrue();
        assertThat(pt.onList()).isFalse();
        assertThat(callbacks).isEqualTo(1);
        t.advance(100 * MS);
        assertThat(v0.updateIrq()).isEqualTo(-1);
        assertThat(v0.intrPost(IrqSource.ISA, 8)).isFalse();
    }

    @Test
    void earliestOverdueTimerIsIssuedFirst() {
        PeriodicTime slow = new PeriodicTime("slow", IrqSource.ISA);
        t.platform.create(slow, v0, 20 * MS, 20 * MS, 8, null, false);
        t.platform.create(pt, v0, 10 * MS, 10 * MS, 0, null, false);
        t.advance(20 * MS);
        // pt: last 0 + 10 = 10 ms; slow: last 0 + 20 = 20 ms.
        assertThat(v0.updateIrq()).isZero();
        v0.intrPost(IrqSource.ISA, 0);
        t.advance(0); // pt re-armed for 20 ms on delivery; its alarm runs now
        // Both are due at 20 ms; the tie goes to the newest channel, as with Xen's list_add.
        assertThat(v0.updateIrq()).isZero();
        v0.intrPost(IrqSource.ISA, 0);
        assertThat(v0.updateIrq()).isEqualTo(8);
    }
}
