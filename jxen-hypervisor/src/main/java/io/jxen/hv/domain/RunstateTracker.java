package io.jxen.hv.domain;

import io.jxen.abi.vcpu.Runstate;
import io.jxen.abi.vcpu.VcpuRunstateInfoDescriptor;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestFault;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A vCPU's {@code struct vcpu_runstate_info} (xen/common/sched/core.c
 * {@code vcpu_runstate_change}) and the time hooks that follow it.
 *
 * <p>The state is derived as Xen derives it when a vCPU stops running: blocked
 * ({@code _VPF_blocked}: in SCHEDOP_block or poll) first, then offline (down, paused by the
 * toolstack, or its domain shut down or dying: Xen's "catch all" for vCPUs that cannot run),
 * otherwise running. jxen has no run queue, so a runnable vCPU is a running one and
 * {@code RUNSTATE_runnable} is never entered. Each change adds the time spent in the old state
 * from the hypervisor's clock, rewrites the guest's registered runstate area (with
 * {@code XEN_RUNSTATE_UPDATE} set in {@code state_entry_time} while it writes, as Xen does for
 * guests that asked for it, and harmless for others), and tells the domain's time the vCPU was
 * scheduled or descheduled.
 */
public final class RunstateTracker {

    private final Vcpu vcpu;
    private int state = Runstate.OFFLINE;
    private long entryTime;
    private final long[] times = new long[VcpuRunstateInfoDescriptor.NR_TIMES];
    private long areaGpa;
    private boolean started;

    RunstateTracker(Vcpu vcpu) {
        this.vcpu = vcpu;
    }

    /** The current {@code RUNSTATE_*}. */
    public int state() {
        return state;
    }

    /** Starts the bookkeeping at system time {@code now} (domain creation). */
    void start(long now) {
        entryTime = now;
        started = true;
        update();
    }

    /** Recomputes the state after anything it depends on changed (hypervisor lock held). */
    public void update() {
        if (!started) {
            return;
        }
        Domain d = vcpu.domain();
        int next;
        if (vcpu.blocked()) {
            next = Runstate.BLOCKED;
        } else if (!vcpu.isUp() || d.paused() || d.shutdownReason() != null || d.dying()) {
            next = Runstate.OFFLINE;
        } else {
            next = Runstate.RUNNING;
        }
        if (next == state) {
            return;
        }
        long now = d.systemTime();
        int old = state;
        times[old] += Math.max(0, now - entryTime);
        entryTime = now;
        state = next;
        writeArea();
        var time = d.timekeeping();
        if (time != null) {
            if (next == Runstate.RUNNING) {
                time.onSchedule(vcpu.id(), false);
            } else if (old == Runstate.RUNNING) {
                time.onDeschedule(vcpu.id(), next == Runstate.BLOCKED);
            }
        }
    }

    /**
     * {@code vcpu_runstate_get}: the info as of now (the current state's time includes the
     * time since it was entered), 48 bytes in Xen's layout.
     */
    public MemorySegment snapshot() {
        MemorySegment s = Arena.ofAuto().allocate(VcpuRunstateInfoDescriptor.SIZE, 8);
        Fields.put32(s, VcpuRunstateInfoDescriptor.STATE_OFFSET, state);
        Fields.put64(s, VcpuRunstateInfoDescriptor.STATE_ENTRY_TIME_OFFSET, entryTime);
        long now = vcpu.domain().systemTime();
        for (int i = 0; i < times.length; i++) {
            long t = times[i] + (i == state ? Math.max(0, now - entryTime) : 0);
            Fields.put64(s, VcpuRunstateInfoDescriptor.TIME_OFFSET + 8L * i, t);
        }
        return s;
    }

    /** Cumulative nanoseconds in {@code RUNSTATE_*} {@code runstate} as of now. */
    public long time(int runstate) {
        return Fields.u64(snapshot(), VcpuRunstateInfoDescriptor.TIME_OFFSET + 8L * runstate);
    }

    /** The guest-physical address of the registered runstate area, 0 if none. */
    public long areaGpa() {
        return areaGpa;
    }

    /** Registers (or with 0 forgets) the guest's runstate area and fills it at once. */
    public void registerArea(long gpa) {
        this.areaGpa = gpa;
        writeArea();
    }

    // update_runstate_area: a copy that fails (the page went away) is ignored, as Xen's is.
    private void writeArea() {
        if (areaGpa == 0) {
            return;
        }
        MemorySegment s = snapshot();
        var guest = vcpu.domain().guest();
        try {
            guest.put64(areaGpa + VcpuRunstateInfoDescriptor.STATE_ENTRY_TIME_OFFSET,
                    entryTime | Runstate.XEN_RUNSTATE_UPDATE);
            java.lang.invoke.VarHandle.fullFence();
            guest.copyOut(areaGpa, s);
            java.lang.invoke.VarHandle.fullFence();
        } catch (GuestFault ignored) {
            // as Xen: the guest's problem
        }
    }
}
