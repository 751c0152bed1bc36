package io.jxen.abi.hvm;

import io.jxen.abi.XenConstant;

/**
 * Policies of {@code HVM_PARAM_TIMER_MODE} (hvm/params.h {@code HVMPTM_*}): what the virtual
 * platform timers do about ticks missed while a vCPU was descheduled.
 */
public final class HvmTimerMode {

    /**
     * Deliver missed ticks late, guest time lags then catches up:
     * {@code HVMPTM_delay_for_missed_ticks} (hvm/params.h).
     */
    @XenConstant("HVMPTM_delay_for_missed_ticks")
    public static final int DELAY_FOR_MISSED_TICKS = 0;

    /**
     * Deliver missed ticks at once, guest time stays in step:
     * {@code HVMPTM_no_delay_for_missed_ticks} (hvm/params.h).
     */
    @XenConstant("HVMPTM_no_delay_for_missed_ticks")
    public static final int NO_DELAY_FOR_MISSED_TICKS = 1;

    /** Drop missed ticks: {@code HVMPTM_no_missed_ticks_pending} (hvm/params.h). */
    @XenConstant("HVMPTM_no_missed_ticks_pending")
    public static final int NO_MISSED_TICKS_PENDING = 2;

    /** Deliver one tick for all missed ones: {@code HVMPTM_one_missed_tick_pending} (hvm/params.h). */
    @XenConstant("HVMPTM_one_missed_tick_pending")
    public static final int ONE_MISSED_TICK_PENDING = 3;

    private HvmTimerMode() {
    }
}
