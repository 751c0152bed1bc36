package io.jxen.hv;

import io.jxen.abi.XenErrno;
import io.jxen.abi.vcpu.VcpuSingleshotFlags;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuTimeInfoDescriptor;
import io.jxen.hv.timekeeping.DomainTimekeeping;
import io.jxen.hv.timekeeping.Timekeeping;
import io.jxen.hv.timekeeping.VcpuTimerControl;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.Agent;
import io.jxen.runtime.Clock;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A test double of host time with jxen-time's contracts (Xen 4.17 single-shot policy, 1 ms
 * minimum period, pvclock seqlock, wallclock in shared_info), on an injected clock; its one
 * agent fires due timers outside its lock. Until jxen-hypervisor can depend on jxen-time (see
 * io.jxen.hv.timekeeping), the hypervisor's wiring is tested against this.
 */
final class SimTimekeeping implements Timekeeping {

    final Clock clock;
    final long boot;
    final List<String> log = new ArrayList<>();
    private final List<Dom> domains = new ArrayList<>();
    private long wcBaseSec = 1_700_000_000L;
    private long wcBaseNsec;
    private long wcSystem;

    SimTimekeeping(Clock clock) {
        this.clock = clock;
        this.boot = clock.nanoTime();
    }

    @Override
    public synchronized DomainTimekeeping createDomain(int vcpus, boolean pv, IntConsumer timerEvent) {
        Dom d = new Dom(vcpus, timerEvent);
        domains.add(d);
        return d;
    }

    @Override
    public long now() {
        return clock.nanoTime() - boot;
    }

    @Override
    public synchronized void settime(long secs, int nsecs, long systemTimeBase) {
        wcBaseSec = secs;
        wcBaseNsec = nsecs;
        wcSystem = systemTimeBase;
        for (Dom d : domains) {
            d.publishWallclock();
        }
    }

    @Override
    public List<Agent> agents() {
        return List.of(new Agent() {
            @Override
            public int doWork() {
                return fire();
            }

            @Override
            public String roleName() {
                return "sim-timers";
            }
        });
    }

    /** Fires every due timer; the events go out after the lock is dropped. */
    int fire() {
        List<Runnable> due = new ArrayList<>();
        synchronized (this) {
            long now = now();
            for (Dom d : domains) {
                for (Timers t : d.timers) {
                    if (t.singleshot >= 0 && t.singleshot <= now) {
                        t.singleshot = -1;
                        due.add(() -> d.sink.accept(t.vcpu));
                    }
                    if (t.period > 0 && t.running && t.nextTick <= now) {
                        t.nextTick = now + t.period;
                        due.add(() -> d.sink.accept(t.vcpu));
                    }
                }
                for (int v = 0; v < d.areas.size(); v++) {
                    d.publish(v);
                }
            }
        }
        due.forEach(Runnable::run);
        return due.size();
    }

    /** Earliest armed deadline, or Long.MAX_VALUE. */
    synchronized long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Dom d : domains) {
            for (Timers t : d.timers) {
                if (t.singleshot >= 0) {
                    next = Math.min(next, t.singleshot);
                }
                if (t.period > 0 && t.running) {
                    next = Math.min(next, t.nextTick);
                }
            }
        }
        return next;
    }

    final class Dom implements DomainTimekeeping {
        final IntConsumer sink;
        final Timers[] timers;
        final List<List<MemorySegment>> areas = new ArrayList<>();
        MemorySegment sharedInfo;
        boolean closed;

        Dom(int vcpus, IntConsumer sink) {
            this.sink = sink;
            this.timers = new Timers[vcpus];
            for (int i = 0; i < vcpus; i++) {
                timers[i] = new Timers(i);
                areas.add(new ArrayList<>());
            }
        }

        @Override
        public void attachSharedInfo(MemorySegment segment, long offset) {
            synchronized (SimTimekeeping.this) {
                sharedInfo = segment.asSlice(offset);
                publishWallclock();
            }
        }

        void publishWallclock() {
            if (sharedInfo == null || closed) {
                return;
            }
            long wallNs = wcBaseSec * 1_000_000_000L + wcBaseNsec - wcSystem; // wallclock at system time 0
            int ver = OrderedAccess.getIntVolatile(sharedInfo, SharedInfoDescriptor.WC_VERSION_OFFSET);
            OrderedAccess.setIntVolatile(sharedInfo, SharedInfoDescriptor.WC_VERSION_OFFSET, ver + 1);
            OrderedAccess.setIntVolatile(sharedInfo, SharedInfoDescriptor.WC_SEC_OFFSET, (int) (wallNs / 1_000_000_000L));
            OrderedAccess.setIntVolatile(sharedInfo, SharedInfoDescriptor.WC_NSEC_OFFSET, (int) (wallNs % 1_000_000_000L));
            OrderedAccess.setIntVolatile(sharedInfo, SharedInfoDescriptor.WC_SEC_HI_OFFSET, (int) (wallNs / 1_000_000_000L >>> 32));
            OrderedAccess.setIntVolatile(sharedInfo, SharedInfoDescriptor.WC_VERSION_OFFSET, ver + 2);
        }

        @Override
        public void registerTimeArea(int vcpu, MemorySegment segment, long offset) {
            synchronized (SimTimekeeping.this) {
                areas.get(vcpu).add(segment.asSlice(offset, VcpuTimeInfoDescriptor.SIZE));
                publish(vcpu);
            }
        }

        @Override
        public void unregisterTimeArea(int vcpu, MemorySegment segment, long offset) {
            synchronized (SimTimekeeping.this) {
                long at = segment.address() + offset;
                areas.get(vcpu).removeIf(a -> a.address() == at);
            }
        }

        // version odd, fields, version even; tsc == system time (mul 2^31, shift 1).
        void publish(int vcpu) {
            if (closed) {
                return;
            }
            long now = now();
            for (MemorySegment a : areas.get(vcpu)) {
                int ver = OrderedAccess.getIntVolatile(a, VcpuTimeInfoDescriptor.VERSION_OFFSET) & ~1;
                OrderedAccess.setIntVolatile(a, VcpuTimeInfoDescriptor.VERSION_OFFSET, ver + 1);
                OrderedAccess.setLongVolatile(a, VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET, now);
                OrderedAccess.setLongVolatile(a, VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET, now);
                OrderedAccess.setIntVolatile(a, VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET, 0x8000_0000);
                a.set(java.lang.foreign.ValueLayout.JAVA_BYTE, VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET, (byte) 1);
                OrderedAccess.setIntVolatile(a, VcpuTimeInfoDescriptor.VERSION_OFFSET, ver + 2);
            }
        }

        @Override
        public void onSchedule(int vcpu, boolean moved) {
            synchronized (SimTimekeeping.this) {
                log.add("schedule v" + vcpu + (moved ? " moved" : ""));
                timers[vcpu].running = true;
                timers[vcpu].nextTick = Math.max(timers[vcpu].nextTick, now());
                publish(vcpu);
            }
        }

        @Override
        public void onDeschedule(int vcpu, boolean blocked) {
            synchronized (SimTimekeeping.this) {
                log.add("deschedule v" + vcpu + (blocked ? " blocked" : ""));
                timers[vcpu].running = false;
            }
        }

        @Override
        public long rdtsc() {
            return now(); // the published scale is 1 tick per ns
        }

        @Override
        public long tscFrequencyHz() {
            return 1_000_000_000L;
        }

        @Override
        public VcpuTimerControl timers(int vcpu) {
            return timers[vcpu];
        }

        @Override
        public void close() {
            synchronized (SimTimekeeping.this) {
                closed = true;
                for (Timers t : timers) {
                    t.singleshot = -1;
                    t.period = 0;
                }
                domains.remove(this);
            }
        }
    }

    final class Timers implements VcpuTimerControl {
        final int vcpu;
        long singleshot = -1;
        long period;
        long nextTick;
        boolean running;

        Timers(int vcpu) {
            this.vcpu = vcpu;
        }

        @Override
        public int setSingleshotTimer(long timeoutAbsNs, int flags) {
            synchronized (SimTimekeeping.this) {
                if ((flags & VcpuSingleshotFlags.FUTURE) != 0 && Long.compareUnsigned(timeoutAbsNs, now()) < 0) {
                    return -XenErrno.ETIME;
                }
                singleshot = timeoutAbsNs < 0 ? now() : timeoutAbsNs;
                return 0;
            }
        }

        @Override
        public int stopSingleshotTimer() {
            synchronized (SimTimekeeping.this) {
                singleshot = -1;
                return 0;
            }
        }

        @Override
        public int setPeriodicTimer(long periodNs) {
            if (Long.compareUnsigned(periodNs, 1_000_000L) < 0 || Long.compareUnsigned(periodNs, -1L >>> 2) > 0) {
                return -XenErrno.EINVAL;
            }
            synchronized (SimTimekeeping.this) {
                period = periodNs;
                nextTick = now() + periodNs;
                return 0;
            }
        }

        @Override
        public int stopPeriodicTimer() {
            synchronized (SimTimekeeping.this) {
                period = 0;
                return 0;
            }
        }

        @Override
        public int setTimerOp(long timeoutNs) {
            synchronized (SimTimekeeping.this) {
                singleshot = timeoutNs == 0 ? -1 : timeoutNs < 0 ? now() + 100_000_000L : timeoutNs;
                return 0;
            }
        }
    }
}
