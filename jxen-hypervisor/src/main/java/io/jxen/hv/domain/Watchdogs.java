package io.jxen.hv.domain;

import io.jxen.abi.XenErrno;

/**
 * A domain's SCHEDOP_watchdog timers (xen/common/sched/core.c {@code domain_watchdog}):
 * {@code NR_DOMAIN_WATCHDOG_TIMERS} slots; id 0 takes the lowest free slot and answers its
 * id (slot + 1) or {@code -ENOSPC}; a known id re-arms it, or with timeout 0 frees it; an id
 * not in use is {@code -EINVAL}. Deadlines are in Xen system time; the hypervisor's watchdog
 * agent shuts the domain down with {@code SHUTDOWN_watchdog} when one passes
 * ({@code domain_watchdog_timeout}).
 */
public final class Watchdogs {

    /** {@code NR_DOMAIN_WATCHDOG_TIMERS} (xen/include/xen/sched.h). */
    public static final int NR_TIMERS = 2;
    private static final long NS_PER_SECOND = 1_000_000_000L;

    private final long[] deadline = new long[NR_TIMERS];
    private final boolean[] inUse = new boolean[NR_TIMERS];

    /**
     * {@code domain_watchdog(d, id, timeout)} at system time {@code now}.
     *
     * @param id      0 to create, else the id a create returned
     * @param timeout seconds (unsigned 32-bit)
     */
    public long op(long id, long timeout, long now) {
        long due = now + seconds(timeout);
        if (id == 0) {
            for (int i = 0; i < NR_TIMERS; i++) {
                if (!inUse[i]) {
                    inUse[i] = true;
                    deadline[i] = due;
                    return i + 1;
                }
            }
            return -XenErrno.ENOSPC;
        }
        long slot = id - 1;
        if (slot < 0 || slot >= NR_TIMERS || !inUse[(int) slot]) {
            return -XenErrno.EINVAL;
        }
        if (timeout == 0) {
            inUse[(int) slot] = false;
        } else {
            deadline[(int) slot] = due;
        }
        return 0;
    }

    private static long seconds(long s) {
        return (s & 0xFFFF_FFFFL) * NS_PER_SECOND;
    }

    /** Whether some armed watchdog's deadline is at or before {@code now}. */
    public boolean expired(long now) {
        for (int i = 0; i < NR_TIMERS; i++) {
            if (inUse[i] && deadline[i] <= now) {
                return true;
            }
        }
        return false;
    }

    /** Watchdogs in use. */
    public int inUse() {
        int n = 0;
        for (boolean b : inUse) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** The domain is destroyed. */
    void stopAll() {
        java.util.Arrays.fill(inUse, false);
    }
}
