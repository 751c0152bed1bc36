package io.jxen.hypercall;

import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The guest side of a vCPU's "interrupt line": {@code evtchn_upcall_pending} and
 * {@code evtchn_upcall_mask} in its {@code vcpu_info} (xen.h:679-710). A guest run loop calls
 * {@link #poll} at its preemption points; the upcall runs with the mask set, as Xen enters a PV
 * event callback with events masked, and is re-checked after unmasking (the {@code sti} rule:
 * clear the mask, then look at pending, so no event that arrived while masked is lost).
 */
public final class EventUpcall {

    /** Upcalls one {@link #poll} delivers at most, so a handler that never acks cannot livelock it. */
    public static final int MAX_UPCALLS_PER_POLL = 16;

    private final MemorySegment vcpuInfo;

    /** @param vcpuInfo the vCPU's 64-byte {@code vcpu_info}, wherever it currently lives */
    public EventUpcall(MemorySegment vcpuInfo) {
        if (vcpuInfo.byteSize() < VcpuInfoDescriptor.SIZE) {
            throw new IllegalArgumentException("vcpu_info is " + VcpuInfoDescriptor.SIZE + " bytes");
        }
        this.vcpuInfo = vcpuInfo;
    }

    /** Whether an upcall is pending and not masked: the interrupt line is asserted. */
    public boolean asserted() {
        return OrderedAccess.getByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET) == 0
                && OrderedAccess.getByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET) != 0;
    }

    /** Sets {@code evtchn_upcall_mask} (the {@code cli} of a PV guest). */
    public void mask() {
        OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, (byte) 1);
    }

    /**
     * Clears {@code evtchn_upcall_mask} and, if an upcall became pending meanwhile, delivers it
     * (the {@code sti} paravirt op: unmask, then check).
     *
     * @return upcalls delivered
     */
    public int unmask(Runnable handler) {
        OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, (byte) 0);
        return poll(handler);
    }

    /**
     * A preemption point: while the line is asserted, masks, runs {@code handler} (which is
     * expected to clear {@code evtchn_upcall_pending} and scan the selectors), and unmasks; at
     * most {@link #MAX_UPCALLS_PER_POLL} times.
     *
     * @return upcalls delivered
     */
    public int poll(Runnable handler) {
        int delivered = 0;
        while (delivered < MAX_UPCALLS_PER_POLL && asserted()) {
            mask();
            try {
                handler.run();
            } finally {
                OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, (byte) 0);
            }
            delivered++;
        }
        return delivered;
    }
}
