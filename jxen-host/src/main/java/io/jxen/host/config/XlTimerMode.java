package io.jxen.host.config;

import io.jxen.abi.hvm.HvmTimerMode;

import java.util.Locale;

/**
 * xl.cfg's {@code timer_mode} (xl.cfg(5), libxl's {@code libxl_timer_mode}): what an HVM guest's
 * virtual platform timers do about ticks missed while a vCPU was descheduled. The toolstack
 * passes it to {@code HVM_PARAM_TIMER_MODE} ({@code HVMPTM_*}, hvm/params.h); libxl's default
 * is {@link #NO_DELAY_FOR_MISSED_TICKS}.
 */
public enum XlTimerMode {
    /** {@code delay_for_missed_ticks}: missed ticks are delivered late, guest time lags then catches up. */
    DELAY_FOR_MISSED_TICKS("delay_for_missed_ticks", HvmTimerMode.DELAY_FOR_MISSED_TICKS),
    /** {@code no_delay_for_missed_ticks}: missed ticks are delivered at once (libxl's default). */
    NO_DELAY_FOR_MISSED_TICKS("no_delay_for_missed_ticks", HvmTimerMode.NO_DELAY_FOR_MISSED_TICKS),
    /** {@code no_missed_ticks_pending}: missed ticks are dropped. */
    NO_MISSED_TICKS_PENDING("no_missed_ticks_pending", HvmTimerMode.NO_MISSED_TICKS_PENDING),
    /** {@code one_missed_tick_pending}: one tick stands for all the missed ones. */
    ONE_MISSED_TICK_PENDING("one_missed_tick_pending", HvmTimerMode.ONE_MISSED_TICK_PENDING);

    /** libxl's default ({@code LIBXL_TIMER_MODE_DEFAULT}). */
    public static final XlTimerMode DEFAULT = NO_DELAY_FOR_MISSED_TICKS;

    private final String xlName;
    private final int param;

    XlTimerMode(String xlName, int param) {
        this.xlName = xlName;
        this.param = param;
    }

    /** The name in xl.cfg. */
    public String xlName() {
        return xlName;
    }

    /** The value of {@code HVM_PARAM_TIMER_MODE}. */
    public int param() {
        return param;
    }

    /**
     * The mode an xl.cfg value names: one of the names, compared ignoring case as libxl's
     * {@code libxl_timer_mode_from_string} does, or the mode's number (the older form, which xl
     * still accepts).
     *
     * @return the mode, or null if the text names none
     */
    public static XlTimerMode of(String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (XlTimerMode m : values()) {
            if (m.xlName.equals(name)) {
                return m;
            }
        }
        Long number = XlConfig.parseCLong(text);
        if (number != null) {
            for (XlTimerMode m : values()) {
                if (m.param == number) {
                    return m;
                }
            }
        }
        return null;
    }

    /** The accepted names, for error messages. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (XlTimerMode m : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(m.xlName);
        }
        return b.toString();
    }
}
