package io.jxen.hv.time.vpt;

import io.jxen.abi.hvm.HvmTimerMode;

/**
 * The missed-tick policies of {@code HVM_PARAM_TIMER_MODE} (hvm/params.h {@code HVMPTM_*}):
 * what the platform timers do about ticks that fell due while a vCPU was descheduled.
 */
public enum TimerMode {
    /**
     * {@code HVMPTM_delay_for_missed_ticks} (0, the hypervisor's default): guest time stops
     * while the vCPU is descheduled, missed ticks are delivered late one by one, and each
     * delivered tick steps guest time to the tick's due time.
     */
    DELAY_FOR_MISSED_TICKS(HvmTimerMode.DELAY_FOR_MISSED_TICKS),
    /**
     * {@code HVMPTM_no_delay_for_missed_ticks} (1, libxl's default for HVM guests): missed
     * ticks are delivered, guest time keeps tracking host time.
     */
    NO_DELAY_FOR_MISSED_TICKS(HvmTimerMode.NO_DELAY_FOR_MISSED_TICKS),
    /**
     * {@code HVMPTM_no_missed_ticks_pending} (2): no tick is held pending; the tick alarm keeps
     * running while the vCPU is descheduled.
     */
    NO_MISSED_TICKS_PENDING(HvmTimerMode.NO_MISSED_TICKS_PENDING),
    /** {@code HVMPTM_one_missed_tick_pending} (3): all missed ticks collapse into one late tick. */
    ONE_MISSED_TICK_PENDING(HvmTimerMode.ONE_MISSED_TICK_PENDING);

    private final int param;

    TimerMode(int param) {
        this.param = param;
    }

    /** The {@code HVM_PARAM_TIMER_MODE} value. */
    public int param() {
        return param;
    }

    /**
     * The mode for a parameter value.
     *
     * @throws IllegalArgumentException for a value that is no {@code HVMPTM_*}
     */
    public static TimerMode ofParam(long value) {
        for (TimerMode mode : values()) {
            if (mode.param == value) {
                return mode;
            }
        }
        throw new IllegalArgumentException("no HVMPTM mode " + value);
    }
}
