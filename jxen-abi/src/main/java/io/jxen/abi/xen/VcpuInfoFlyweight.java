package io.jxen.abi.xen;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;

import static io.jxen.abi.xen.VcpuInfoDescriptor.ARCH_CR2_OFFSET;
import static io.jxen.abi.xen.VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET;
import static io.jxen.abi.xen.VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET;
import static io.jxen.abi.xen.VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET;
import static io.jxen.abi.xen.VcpuInfoDescriptor.TIME_OFFSET;

/**
 * View of a {@code struct vcpu_info} (xen.h, x86_64); see {@link VcpuInfoDescriptor}.
 *
 * <p>The upcall bytes are accessed volatile: Xen sets {@code evtchn_upcall_pending} from
 * another CPU while the guest clears it before scanning. The selector is changed only with
 * atomic read-modify-writes, as Xen and the guest both update it.
 */
public final class VcpuInfoFlyweight extends Flyweight {

    /** Wraps the structure at {@code offset} of {@code segment}. */
    public VcpuInfoFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, VcpuInfoDescriptor.SIZE, VcpuInfoDescriptor.ALIGNMENT);
        return this;
    }

    /** {@code evtchn_upcall_pending}, volatile. */
    public boolean isUpcallPendingVolatile() {
        return OrderedAccess.getByteVolatile(segment(), offset() + EVTCHN_UPCALL_PENDING_OFFSET) != 0;
    }

    /** Sets or clears {@code evtchn_upcall_pending}, volatile. */
    public void setUpcallPendingVolatile(boolean pending) {
        OrderedAccess.setByteVolatile(segment(), offset() + EVTCHN_UPCALL_PENDING_OFFSET, (byte) (pending ? 1 : 0));
    }

    /** {@code evtchn_upcall_mask}, volatile. */
    public boolean isUpcallMaskedVolatile() {
        return OrderedAccess.getByteVolatile(segment(), offset() + EVTCHN_UPCALL_MASK_OFFSET) != 0;
    }

    /** Sets or clears {@code evtchn_upcall_mask}, volatile. */
    public void setUpcallMaskedVolatile(boolean masked) {
        OrderedAccess.setByteVolatile(segment(), offset() + EVTCHN_UPCALL_MASK_OFFSET, (byte) (masked ? 1 : 0));
    }

    /** {@code evtchn_pending_sel}, volatile. */
    public long getPendingSelectorVolatile() {
        return OrderedAccess.getLongVolatile(segment(), offset() + EVTCHN_PENDING_SEL_OFFSET);
    }

    /** Atomically sets bits of {@code evtchn_pending_sel}; returns the previous selector. */
    public long getAndOrPendingSelector(long bits) {
        return OrderedAccess.getAndBitwiseOrLong(segment(), offset() + EVTCHN_PENDING_SEL_OFFSET, bits);
    }

    /** Atomically takes the whole selector, leaving 0 (the guest's {@code xchg}). */
    public long getAndClearPendingSelector() {
        return OrderedAccess.getAndSetLong(segment(), offset() + EVTCHN_PENDING_SEL_OFFSET, 0L);
    }

    /** {@code arch.cr2}. */
    public long getCr2() {
        return OrderedAccess.getLongPlain(segment(), offset() + ARCH_CR2_OFFSET);
    }

    /** Sets {@code arch.cr2}. */
    public void setCr2(long cr2) {
        OrderedAccess.setLongPlain(segment(), offset() + ARCH_CR2_OFFSET, cr2);
    }

    /** Wraps {@code into} over this vCPU's {@code time} and returns it. */
    public VcpuTimeInfoFlyweight time(VcpuTimeInfoFlyweight into) {
        return into.wrap(segment(), offset() + TIME_OFFSET);
    }
}
