package io.jxen.hv.time.clock;

import io.jxen.abi.xen.SharedInfoFlyweight;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The host wallclock: wall time at system time 0, kept as Xen's {@code wc_sec}/{@code wc_nsec}
 * (xen/common/time.c) and published into every domain's {@code shared_info} under the
 * {@code wc_version} seqlock, each domain adding its own {@code time_offset} seconds
 * ({@code update_domain_wallclock_time}). Guests compute wall time as
 * {@code wc + system_time}.
 *
 * <p>Thread-safe.
 */
public final class Wallclock {

    private static final long NS_PER_S = 1_000_000_000L;

    /** One domain's published copy. */
    public final class DomainWallclock {
        private final SharedInfoFlyweight sharedInfo = new SharedInfoFlyweight();
        private long timeOffsetSeconds;

        private DomainWallclock(MemorySegment segment, long offset) {
            sharedInfo.wrap(segment, offset);
        }

        /**
         * Sets the domain's {@code time_offset.seconds} ({@code XEN_DOMCTL_settimeoffset}, or a
         * guest RTC write) and republishes.
         */
        public void setTimeOffsetSeconds(long seconds) {
            synchronized (Wallclock.this) {
                timeOffsetSeconds = seconds;
                publish(this);
            }
        }

        /** The domain's time offset in seconds. */
        public long timeOffsetSeconds() {
            synchronized (Wallclock.this) {
                return timeOffsetSeconds;
            }
        }

        /** Stops publishing into this domain (domain destroyed). */
        public void close() {
            synchronized (Wallclock.this) {
                domains.remove(this);
            }
        }
    }

    private final List<DomainWallclock> domains = new ArrayList<>();
    private long wcSec;
    private int wcNsec;

    /** Starts with the wall time the host clock gave at boot. */
    public Wallclock(SystemTime systemTime) {
        long boot = systemTime.bootEpochNanos();
        this.wcSec = Math.floorDiv(boot, NS_PER_S);
        this.wcNsec = (int) Math.floorMod(boot, NS_PER_S);
    }

    /**
     * Publishes into a domain's {@code shared_info} from now on; the first publication happens
     * at once.
     */
    public synchronized DomainWallclock attach(MemorySegment sharedInfo, long offset) {
        DomainWallclock domain = new DomainWallclock(Objects.requireNonNull(sharedInfo, "sharedInfo"), offset);
        domains.add(domain);
        publish(domain);
        return domain;
    }

    /**
     * Xen's {@code do_settime}: the wall time was {@code secs.nsecs} at system time
     * {@code systemTimeBase}; store the wall time at system time 0 and republish to every
     * domain.
     */
    public synchronized void settime(long secs, int nsecs, long systemTimeBase) {
        if (nsecs < 0 || nsecs >= NS_PER_S) {
            throw new IllegalArgumentException("nsecs out of range: " + nsecs);
        }
        long x = Math.subtractExact(Math.addExact(Math.multiplyExact(secs, NS_PER_S), nsecs), systemTimeBase);
        wcSec = Math.floorDiv(x, NS_PER_S);
        wcNsec = (int) Math.floorMod(x, NS_PER_S);
        for (DomainWallclock domain : domains) {
            publish(domain);
        }
    }

    /** Wall time at system time 0, in nanoseconds since the epoch (without any domain offset). */
    public synchronized long wallAtBootNanos() {
        return wcSec * NS_PER_S + wcNsec;
    }

    private void publish(DomainWallclock domain) {
        SharedInfoFlyweight si = domain.sharedInfo;
        long sec = wcSec + domain.timeOffsetSeconds;
        // Same seqlock as vcpu_time_info: odd wc_version while updating (version_update_begin).
        int odd = (si.getWcVersionAcquire() + 1) | 1;
        si.setWcVersionRelease(odd);
        OrderedAccess.writeBarrier(); // smp_wmb: odd version visible before the fields change
        si.setWcSec(sec);             // wc_sec and wc_sec_hi (sec >> 32)
        si.setWcNsec(wcNsec);
        si.setWcVersionRelease(odd + 1); // smp_wmb then even version: fields visible first
    }
}
