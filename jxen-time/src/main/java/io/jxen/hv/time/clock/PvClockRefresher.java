package io.jxen.hv.time.clock;

import io.jxen.runtime.Agent;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Re-stamps every registered vCPU's time info periodically, as Xen's {@code time_calibration}
 * does once per {@code EPOCH} (1 s). With this module's exact TSC model a stale stamp does not
 * drift, but the fixed-point error of {@code tsc_to_system_mul} grows with the distance from
 * the stamp, so stamps are kept recent.
 */
public final class PvClockRefresher implements Agent {

    /** Xen's calibration period, {@code EPOCH = MILLISECS(1000)}. */
    public static final long DEFAULT_PERIOD_NS = 1_000_000_000L;

    private final SystemTime systemTime;
    private final long periodNs;
    private final List<VcpuTimePublisher> publishers = new CopyOnWriteArrayList<>();
    private long nextDueNs;

    /** Refreshes every {@code periodNs} of system time. */
    public PvClockRefresher(SystemTime systemTime, long periodNs) {
        if (periodNs <= 0) {
            throw new IllegalArgumentException("period must be positive: " + periodNs);
        }
        this.systemTime = Objects.requireNonNull(systemTime, "systemTime");
        this.periodNs = periodNs;
        this.nextDueNs = systemTime.now() + periodNs;
    }

    /** Adds a vCPU to refresh. */
    public void register(VcpuTimePublisher publisher) {
        publishers.add(Objects.requireNonNull(publisher, "publisher"));
    }

    /** Removes a vCPU. */
    public void unregister(VcpuTimePublisher publisher) {
        publishers.remove(publisher);
    }

    /** When the next refresh is due, in system time. */
    public long nextDueNs() {
        return nextDueNs;
    }

    @Override
    public int doWork() {
        long now = systemTime.now();
        if (now < nextDueNs) {
            return 0;
        }
        for (VcpuTimePublisher publisher : publishers) {
            publisher.publish(true);
        }
        nextDueNs = now + periodNs;
        return publishers.size() + 1;
    }

    @Override
    public String roleName() {
        return "pvclock-refresh";
    }
}
