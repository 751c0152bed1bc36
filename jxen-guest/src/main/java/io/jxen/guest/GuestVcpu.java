package io.jxen.guest;

import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hypercall.EventUpcall;
import io.jxen.hypercall.Hypercalls;
import io.jxen.hypercall.InterruptLine;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.HaltPoll;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One vCPU of a booted guest: its hypercalls, its argument page, its registered
 * {@code vcpu_info}, and its "interrupt flag". {@code evtchn_upcall_mask} is the flag
 * (xen.h:679-702): {@link #cli()} sets it, {@link #sti()} clears it and then delivers an upcall
 * that became pending meanwhile, as the {@code sti} paravirt op does; {@link #poll()} is a
 * preemption point of the vCPU's run loop.
 */
public final class GuestVcpu {

    private final int id;
    private final Hypercalls hypercalls;
    private final MemorySegment scratchPage;
    private final long scratchGpa;
    private final ReentrantLock scratchLock = new ReentrantLock();
    private final MemorySegment vcpuInfo;
    private final EventUpcall upcall;
    private volatile Runnable upcallHandler = () -> { };
    /** One thread at a time runs this vCPU's upcall (a vCPU is one CPU). */
    private final AtomicBoolean inUpcall = new AtomicBoolean();
    private final HaltPoll.Window haltPollWindow = new HaltPoll.Window();
    /** The in-process hypervisor's line for this vCPU, or null ({@link io.jxen.hypercall.GuestPlatform#interruptLine}). */
    private final InterruptLine line;

    GuestVcpu(int id, Hypercalls hypercalls, MemorySegment scratchPage, long scratchGpa, MemorySegment vcpuInfo) {
        this(id, hypercalls, scratchPage, scratchGpa, vcpuInfo, null);
    }

    GuestVcpu(int id, Hypercalls hypercalls, MemorySegment scratchPage, long scratchGpa, MemorySegment vcpuInfo,
              InterruptLine line) {
        this.line = line;
        this.id = id;
        this.hypercalls = Objects.requireNonNull(hypercalls);
        this.scratchPage = scratchPage;
        this.scratchGpa = scratchGpa;
        this.vcpuInfo = vcpuInfo;
        this.upcall = new EventUpcall(vcpuInfo);
    }

    /** The vCPU number. */
    public int id() {
        return id;
    }

    /** The vCPU's hypercall instruction. */
    public Hypercalls hypercalls() {
        return hypercalls;
    }

    /** Takes the vCPU's argument page for one hypercall; close it after reading the results. */
    public Scratch scratch() {
        return new Scratch(scratchLock, scratchPage, scratchGpa, hypercalls);
    }

    /** The registered {@code vcpu_info} (64 bytes in guest RAM after boot). */
    public MemorySegment vcpuInfo() {
        return vcpuInfo;
    }

    /** Installs the upcall (the event-channel callback), run with events masked. */
    void setUpcallHandler(Runnable handler) {
        this.upcallHandler = Objects.requireNonNull(handler);
    }

    /** Whether events are masked ({@code evtchn_upcall_mask} set). */
    public boolean masked() {
        return OrderedAccess.getByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET) != 0;
    }

    /** Whether {@code evtchn_upcall_pending} is set. */
    public boolean upcallPending() {
        return OrderedAccess.getByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET) != 0;
    }

    /** Masks events: the {@code cli} of a PV guest. */
    public void cli() {
        upcall.mask();
    }

    /**
     * Unmasks events and delivers a pending upcall: the {@code sti} of a PV guest.
     *
     * @return upcalls delivered
     */
    public int sti() {
        // Clear the flag, then look at pending (the order that loses nothing), via the run-loop guard.
        OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, (byte) 0);
        return poll();
    }

    /**
     * A preemption point: delivers pending upcalls if events are not masked. Meant for the
     * vCPU's run loop; if another thread is already running this vCPU's upcall, returns 0 at
     * once (that thread delivers what is pending).
     *
     * @return upcalls delivered
     */
    public int poll() {
        if (!inUpcall.compareAndSet(false, true)) {
            return 0; // another thread is this vCPU's upcall right now; it re-checks before leaving
        }
        int delivered;
        try {
            delivered = upcall.poll(upcallHandler);
        } finally {
            inUpcall.set(false);
        }
        if (line != null) {
            boolean again = upcall.asserted();
            // A thread waiting on the line (LineWait) may wait for what this upcall did; an
            // upcall raised while this thread held the vCPU was offered to that waiter, whose
            // own poll found the vCPU taken: it looks again. With no waiter left, such an upcall
            // woke nobody: the vCPU's idle thread takes it.
            if ((delivered > 0 || again) && !line.wakeWaiter() && again) {
                line.wakeIdle();
            }
        }
        return delivered;
    }

    /** The in-process hypervisor's interrupt line of this vCPU ({@link LineWait}), or null (a guest in another process). */
    public InterruptLine interruptLine() {
        return line;
    }

    /**
     * The idle loop's halt ({@code xen_safe_halt}): with events masked, if nothing is pending
     * blocks in {@code SCHEDOP_block} (which unmasks atomically and returns once an upcall is
     * pending), then unmasks and delivers.
     *
     * @return upcalls delivered
     */
    public int idle() {
        cli();
        if (!upcallPending()) {
            hypercalls.hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0);
        }
        return sti();
    }

    /**
     * The idle loop's halt for a vCPU whose hypercalls share one connection (a guest in its own
     * JVM): instead of {@code SCHEDOP_block}, which would hold the vCPU's hypercall connection
     * while it sleeps and stall every other hypercall made for this vCPU, it sleeps on the vCPU's
     * doorbell, the futex word in shared memory the hypervisor rings whenever it marks an upcall
     * pending. The rings are read before the pending flag, so an event between the two is not
     * slept through. The hypervisor then sees this vCPU as running rather than blocked.
     *
     * @return upcalls delivered
     */
    public int idleOnDoorbell(io.jxen.memory.futex.Doorbell bell) {
        return idleOnDoorbell(bell, HaltPoll.off());
    }

    /**
     * {@link #idleOnDoorbell(io.jxen.memory.futex.Doorbell)} with halt-polling: before the futex
     * sleep, spins on the doorbell's count for this vCPU's adaptive window while a core is spare
     * ({@link HaltPoll}, KVM's {@code kvm_vcpu_halt}), so an event arriving within the window
     * costs no sleep and no futex wake-up. The vCPU's one idle thread calls it.
     *
     * @return upcalls delivered
     */
    public int idleOnDoorbell(io.jxen.memory.futex.Doorbell bell, HaltPoll haltPoll) {
        int seen = bell.rings();
        if (!upcallPending()) {
            long start = haltPoll.start();
            if (!haltPoll.poll(start, haltPollWindow, () -> bell.rings() != seen)) {
                bell.await(seen, -1);
            }
            haltPoll.finish(start, haltPollWindow, true);
        }
        return poll();
    }

    /** This vCPU's halt-polling window (for its idle thread, and diagnostics). */
    public HaltPoll.Window haltPollWindow() {
        return haltPollWindow;
    }

    @Override
    public String toString() {
        return "vcpu" + id;
    }
}
