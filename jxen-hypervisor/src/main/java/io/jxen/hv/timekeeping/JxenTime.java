package io.jxen.hv.timekeeping;

import io.jxen.hv.time.DomainTime;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.time.HvmPlatform;
import io.jxen.hv.time.timer.VcpuTimers;
import io.jxen.runtime.Agent;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * jxen-time's {@link HostTime} as the hypervisor's {@link Timekeeping}: {@code new Hypervisor(memory,
 * clock, new JxenTime(new HostTime(clock)))}.
 *
 * <p>The hypervisor codes against {@link Timekeeping} so its tests can also use a recording
 * double; the timer suite runs against this adapter over the real jxen-time as well.
 */
public final class JxenTime implements Timekeeping {

    private final HostTime host;

    /** @param host the host's time */
    public JxenTime(HostTime host) {
        this.host = Objects.requireNonNull(host);
    }

    /** The wrapped host time (HVM platform timers, policies, wallclock). */
    public HostTime hostTime() {
        return host;
    }

    @Override
    public DomainTimekeeping createDomain(int vcpus, boolean pv, IntConsumer timerEvent) {
        DomainTime time = host.createDomain(vcpus, pv, timerEvent::accept);
        return new Domain(time);
    }

    @Override
    public long now() {
        return host.now();
    }

    @Override
    public void settime(long secs, int nsecs, long systemTimeBase) {
        host.settime(secs, nsecs, systemTimeBase);
    }

    @Override
    public List<Agent> agents() {
        return host.agents();
    }

    /** A domain's {@link DomainTime}. */
    public record Domain(DomainTime time) implements DomainTimekeeping {

        @Override
        public void attachSharedInfo(MemorySegment segment, long offset) {
            time.attachSharedInfo(segment, offset);
        }

        @Override
        public void registerTimeArea(int vcpu, MemorySegment segment, long offset) {
            time.registerTimeArea(vcpu, segment, offset);
        }

        @Override
        public void unregisterTimeArea(int vcpu, MemorySegment segment, long offset) {
            time.unregisterTimeArea(vcpu, segment, offset);
        }

        @Override
        public void onSchedule(int vcpu, boolean movedToAnotherHostThread) {
            time.onSchedule(vcpu, movedToAnotherHostThread);
        }

        @Override
        public void onDeschedule(int vcpu, boolean blocked) {
            time.onDeschedule(vcpu, blocked);
        }

        @Override
        public long rdtsc() {
            return time.rdtsc();
        }

        @Override
        public long tscFrequencyHz() {
            return time.tsc().frequencyHz();
        }

        @Override
        public HvmTimers enableHvm(IntConsumer kick) {
            HvmPlatform hvm = time.enableHvmPlatform(null, kick::accept);
            return new HvmTimers() {
                @Override
                public int portRead(int port, int size) {
                    return hvm.portRead(port, size);
                }

                @Override
                public boolean portWrite(int port, int size, int value) {
                    return hvm.portWrite(port, size, value);
                }

                @Override
                public long mmioRead(long gpa, int size) {
                    return hvm.mmioRead(gpa, size);
                }

                @Override
                public boolean mmioWrite(long gpa, int size, long value) {
                    return hvm.mmioWrite(gpa, size, value);
                }

                @Override
                public int acknowledgeInterrupt(int vcpu) {
                    return hvm.acknowledgeInterrupt(vcpu);
                }

                @Override
                public boolean ownsParam(int index) {
                    return HvmPlatform.ownsParam(index);
                }

                @Override
                public int setParam(int index, long value) {
                    return hvm.setParam(index, value);
                }

                @Override
                public long getParam(int index) {
                    return hvm.getParam(index);
                }
            };
        }

        @Override
        public void guestStopped() {
            time.guestStopped();
        }

        @Override
        public VcpuTimerControl timers(int vcpu) {
            VcpuTimers t = time.timers(vcpu);
            return new VcpuTimerControl() {
                @Override
                public int setSingleshotTimer(long timeoutAbsNs, int flags) {
                    return t.setSingleshotTimer(timeoutAbsNs, flags);
                }

                @Override
                public int stopSingleshotTimer() {
                    return t.stopSingleshotTimer();
                }

                @Override
                public int setPeriodicTimer(long periodNs) {
                    return t.setPeriodicTimer(periodNs);
                }

                @Override
                public int stopPeriodicTimer() {
                    return t.stopPeriodicTimer();
                }

                @Override
                public int setTimerOp(long timeoutNs) {
                    return t.setTimerOp(timeoutNs);
                }
            };
        }

        @Override
        public void close() {
            time.close();
        }
    }
}
