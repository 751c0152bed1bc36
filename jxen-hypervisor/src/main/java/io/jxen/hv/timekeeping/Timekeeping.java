package io.jxen.hv.timekeeping;

import io.jxen.runtime.Agent;

import java.util.List;
import java.util.function.IntConsumer;

/** Host time as the hypervisor uses it (jxen-time's {@code HostTime}); see the package documentation. */
public interface Timekeeping {

    /**
     * A domain's time.
     *
     * @param vcpus      number of vCPUs
     * @param pv         a PV domain (its vCPUs start with the 100 Hz legacy tick)
     * @param timerEvent called with a vCPU id whenever that vCPU's timer fires ({@code VIRQ_TIMER})
     */
    DomainTimekeeping createDomain(int vcpus, boolean pv, IntConsumer timerEvent);

    /** {@code NOW()}: Xen system time in nanoseconds. */
    long now();

    /** {@code XENPF_settime}: the wallclock was {@code secs.nsecs} at system time {@code systemTimeBase}. */
    void settime(long secs, int nsecs, long systemTimeBase);

    /** The agents to run (timer queue, pvclock refresher): threads in real mode, stepped in simulation. */
    List<Agent> agents();
}
