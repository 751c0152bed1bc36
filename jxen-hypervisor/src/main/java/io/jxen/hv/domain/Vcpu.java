package io.jxen.hv.domain;

import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.Virq;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One virtual CPU: where its {@code vcpu_info} lives, its VIRQ bindings, whether it is up,
 * and its "interrupt line" hook.
 *
 * <p>{@code vcpu_info} starts in {@code shared_info} for vCPUs 0..31 (xen.h:728,
 * {@code XEN_LEGACY_MAX_VCPUS}); higher vCPUs write to a private dummy until
 * {@code VCPUOP_register_vcpu_info} places it in guest memory, as Xen's
 * {@code dummy_vcpu_info} does (events sent before that are not seen by the guest).
 */
public final class Vcpu {

    private final Domain domain;
    private final int id;
    private final int[] virqToPort = new int[Virq.NR_VIRQS];
    private MemorySegment vcpuInfo;
    private boolean vcpuInfoRegistered;
    private boolean up;
    private boolean inMulticall;
    private Runnable upcallHook = () -> { };
    /** Where an in-process guest thread may wait for this vCPU's upcalls instead of its idle thread. */
    private final io.jxen.hypercall.InterruptLine line;
    private io.jxen.memory.futex.Doorbell doorbell;
    private final io.jxen.runtime.HaltPoll.Window haltPollWindow = new io.jxen.runtime.HaltPoll.Window();
    private long upcalls;
    private long wakes;
    private boolean blocked;
    /** Whether it waits in SCHEDOP_poll ({@code d->poll_mask}); guarded by the hypervisor lock. */
    private boolean polling;
    /**
     * This vCPU's own condition of the hypervisor lock, for SCHEDOP_block and SCHEDOP_poll:
     * an event wakes the vCPU it is for ({@code vcpu_unblock}), not every blocked vCPU of the
     * host. One condition shared by all vCPUs made each event wake all of them, to take the
     * lock, find nothing and sleep again (measured: dom0's vCPU switched 5x per event taken).
     */
    private final java.util.concurrent.locks.Condition wake;
    private boolean initialised;
    private VcpuContext context;
    private final RunstateTracker runstate;
    private long hostThread = -1;
    /** Guest-physical address of the secondary vcpu_time_info, 0 if none ({@code v->arch.time_info_guest}). */
    private long timeAreaGpa;
    /** Machine frame holding it (pinned while registered), -1 if none. */
    private long timeAreaMfn = -1;

    Vcpu(Domain domain, int id, MemorySegment sharedInfoSlot, java.util.concurrent.locks.Condition wake,
         java.util.concurrent.locks.Lock lock) {
        this.domain = domain;
        // The line's hand-back: an upcall a waiter took but could not deliver wakes the idle thread.
        this.line = new io.jxen.hypercall.InterruptLine(() -> {
            lock.lock();
            try {
                unblock();
            } finally {
                lock.unlock();
            }
        });
        this.wake = wake;
        this.id = id;
        this.vcpuInfo = sharedInfoSlot != null ? sharedInfoSlot
                : Arena.ofAuto().allocate(VcpuInfoDescriptor.SIZE, VcpuInfoDescriptor.SIZE);
        this.up = id == 0;
        this.initialised = id == 0; // the domain builder sets vCPU 0's context
        this.runstate = new RunstateTracker(this);
    }

    /** The runstate bookkeeping ({@code struct vcpu_runstate_info}) and the schedule hooks. */
    public RunstateTracker runstate() {
        return runstate;
    }

    /**
     * Notes the host thread issuing this vCPU's hypercall (hypervisor lock held). When the
     * vCPU is running and the thread differs from the last one, the vCPU has moved to another
     * host thread: its time info is re-stamped at once, as Xen's {@code update_vcpu_system_time}
     * is forced when a vCPU migrates to another physical CPU.
     *
     * @return whether the vCPU moved
     */
    public boolean noteHostThread(long threadId) {
        long previous = hostThread;
        hostThread = threadId;
        if (previous == -1 || previous == threadId) {
            return false;
        }
        var time = domain.timekeeping();
        if (time != null && runstate.state() == io.jxen.abi.vcpu.Runstate.RUNNING) {
            time.onSchedule(id, true);
        }
        return true;
    }

    /** Whether the vCPU waits in SCHEDOP_block or SCHEDOP_poll ({@code _VPF_blocked}). */
    public boolean blocked() {
        return blocked;
    }

    /** The condition this vCPU sleeps on in SCHEDOP_block and SCHEDOP_poll (hypervisor lock held). */
    public java.util.concurrent.locks.Condition wakeCondition() {
        return wake;
    }

    /** Whether it waits in SCHEDOP_poll (hypervisor lock held). */
    public boolean polling() {
        return polling;
    }

    /** Enters or leaves SCHEDOP_poll ({@code d->poll_mask}; hypervisor lock held). */
    public void setPolling(boolean polling) {
        this.polling = polling;
    }

    /** Xen's {@code vcpu_unblock}: wakes this vCPU if it sleeps in SCHEDOP_block or poll (hypervisor lock held). */
    public void unblock() {
        if (blocked) {
            wakes++;
            wake.signal();
        }
    }

    /** Times {@link #unblock()} woke this vCPU's thread out of SCHEDOP_block or SCHEDOP_poll. */
    public long wakes() {
        return wakes;
    }

    /** Enters or leaves SCHEDOP_block/poll; the runstate follows. */
    public void setBlocked(boolean blocked) {
        this.blocked = blocked;
        runstate.update();
    }

    /** Whether the vCPU has a context ({@code v->is_initialised}): vCPU 0 from creation, others after VCPUOP_initialise. */
    public boolean initialised() {
        return initialised;
    }

    /** The context given by VCPUOP_initialise, or null. */
    public VcpuContext context() {
        return context;
    }

    /** Records the context of VCPUOP_initialise. */
    public void initialise(VcpuContext context) {
        this.context = Objects.requireNonNull(context);
        this.initialised = true;
    }

    /** The domain. */
    public Domain domain() {
        return domain;
    }

    /** The vCPU id. */
    public int id() {
        return id;
    }

    /** The vCPU's current 64-byte {@code vcpu_info}. */
    public MemorySegment vcpuInfo() {
        return vcpuInfo;
    }

    /** Whether the guest registered a {@code vcpu_info} of its own. */
    public boolean vcpuInfoRegistered() {
        return vcpuInfoRegistered;
    }

    /** Moves {@code vcpu_info} (VCPUOP_register_vcpu_info); see {@code io.jxen.hv.sched.VcpuOps}. */
    public void registerVcpuInfo(MemorySegment area) {
        this.vcpuInfo = area;
        this.vcpuInfoRegistered = true;
        domain.vcpuInfoMoved(this);
    }

    /** Guest-physical address of the VCPUOP_register_vcpu_time_memory_area copy, 0 if none. */
    public long timeMemoryAreaGpa() {
        return timeAreaGpa;
    }

    /** Machine frame of the VCPUOP_register_vcpu_time_memory_area copy, -1 if none. */
    public long timeMemoryAreaMfn() {
        return timeAreaMfn;
    }

    /** Records the VCPUOP_register_vcpu_time_memory_area copy (gpa 0 and mfn -1: none); see {@code io.jxen.hv.sched.VcpuOps}. */
    public void setTimeMemoryArea(long gpa, long mfn) {
        this.timeAreaGpa = gpa;
        this.timeAreaMfn = mfn;
    }

    /** Whether the vCPU is up (VCPUOP_is_up). */
    public boolean isUp() {
        return up;
    }

    /** Brings the vCPU up or down. */
    public void setUp(boolean up) {
        this.up = up;
        runstate.update();
    }

    /** The port bound to {@code virq} on this vCPU, 0 if none ({@code v->virq_to_evtchn}). */
    public int virqPort(int virq) {
        return virqToPort[virq];
    }

    /** Records the port of {@code virq} (0 to unbind). */
    public void setVirqPort(int virq, int port) {
        virqToPort[virq] = port;
    }

    /** Whether a multicall is running on this vCPU ({@code _MCSF_in_multicall}). */
    public boolean inMulticall() {
        return inMulticall;
    }

    /** Sets or clears the multicall flag. */
    public void setInMulticall(boolean inMulticall) {
        this.inMulticall = inMulticall;
    }

    /**
     * Installs the interrupt line: called (under the hypervisor lock) each time
     * {@code evtchn_upcall_pending} goes from 0 to 1, so a run loop parked in a wait can wake and
     * poll {@code vcpu_info} at its next preemption point. Must not block.
     */
    public void onUpcall(Runnable hook) {
        this.upcallHook = Objects.requireNonNull(hook);
    }

    /**
     * Gives the vCPU a doorbell in shared memory, rung with every raised upcall, so a guest in
     * another process that waits outside a hypercall wakes (by futex).
     */
    public void setDoorbell(io.jxen.memory.futex.Doorbell bell) {
        this.doorbell = bell;
    }

    /**
     * This vCPU's halt-polling window ({@code vcpu->halt_poll_ns}), used by the thread blocking
     * it in SCHEDOP_block or SCHEDOP_poll.
     */
    public io.jxen.runtime.HaltPoll.Window haltPollWindow() {
        return haltPollWindow;
    }

    /** Times {@code evtchn_upcall_pending} was raised. */
    public long upcalls() {
        return upcalls;
    }

    /**
     * Xen's {@code vcpu_mark_events_pending} (arch/x86/domain.c): set
     * {@code evtchn_upcall_pending} and kick the vCPU if it was clear.
     */
    public void markEventsPending() {
        // Bit 0 of the first word is the evtchn_upcall_pending byte (little-endian, offset 0).
        if (!OrderedAccess.testAndSetBit(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, 0)) {
            upcalls++;
            upcallHook.run();
            ringDoorbell();
            // A guest thread waiting on the line takes the upcall: the idle thread blocked in
            // SCHEDOP_block sleeps on (a vCPU in SCHEDOP_poll waits for its ports: woken still).
            if (!line.raise() || polling) {
                unblock();
            }
        }
    }

    /**
     * The line an in-process guest thread waits on to take this vCPU's upcalls itself
     * ({@link io.jxen.hypercall.InterruptLine}).
     */
    public io.jxen.hypercall.InterruptLine interruptLine() {
        return line;
    }

    /**
     * Xen's {@code vcpu_kick} with nothing marked pending: an emulated platform timer has an
     * interrupt for this vCPU to take, so a run loop waiting on the upcall hook or the doorbell
     * wakes and enters the guest. (A vCPU in SCHEDOP_block still waits for an event: jxen models
     * no HLT.)
     */
    public void kick() {
        upcallHook.run();
        ringDoorbell();
        unblock();
    }

    // The count is raised now; the futex wake waits for the hypervisor lock's release
    // (HypervisorLock), so the woken vCPU does not find the lock still held.
    private void ringDoorbell() {
        io.jxen.memory.futex.Doorbell bell = doorbell;
        if (bell != null && bell.raise()) {
            domain.wakeOnUnlock(bell);
        }
    }

    @Override
    public String toString() {
        return "d" + domain.domid() + "v" + id;
    }
}
