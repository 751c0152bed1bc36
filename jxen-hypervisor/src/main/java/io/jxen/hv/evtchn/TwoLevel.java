package io.jxen.hv.evtchn;

import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hv.domain.Vcpu;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The 2-level event-channel ABI on one domain's shared_info: Xen's exact bitmaps
 * ({@code evtchn_pending}, {@code evtchn_mask} in shared_info; {@code evtchn_pending_sel} and
 * {@code evtchn_upcall_pending} in each vcpu_info; xen.h:704-762) and Xen's exact order of
 * atomic bit operations (xen/common/event_2l.c). Port {@code p} is bit {@code p % 64} of word
 * {@code p / 64}; the word index is the selector bit.
 */
final class TwoLevel implements PortOps {

    /** Bits in an {@code xen_ulong_t} word of the bitmaps. */
    private static final int BITS_PER_WORD = io.jxen.abi.xen.XenLimits.XEN_ULONG_SIZE * Byte.SIZE;

    private final MemorySegment sharedInfo;

    TwoLevel(MemorySegment sharedInfo) {
        this.sharedInfo = sharedInfo;
    }

    @Override
    public int maxPorts() {
        return io.jxen.abi.evtchn.EvtchnLimits.EVTCHN_2L_NR_CHANNELS;
    }

    @Override
    public void init(int port) {
        // the 2-level ABI keeps no per-port state
    }

    @Override
    public boolean isBusy(int port) {
        return false;
    }

    /** The 2-level ABI has no priorities: {@code set_priority} is absent, {@code -ENOSYS}. */
    @Override
    public int setPriority(int port, long priority) {
        return -io.jxen.abi.XenErrno.ENOSYS;
    }

    private static long word(int port) {
        return (long) (port / BITS_PER_WORD) * Long.BYTES;
    }

    /**
     * {@code evtchn_2l_set_pending}: (1) test-and-set pending, stop if it was set; (2) if not
     * masked and the selector bit was clear, mark the vCPU's events pending. The atomic bit
     * operations are full barriers, as on x86.
     */
    @Override
    public void setPending(Vcpu v, int port) {
        if (OrderedAccess.testAndSetBit(sharedInfo, SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + word(port),
                port % BITS_PER_WORD)) {
            return;
        }
        if (!OrderedAccess.testBitAcquire(sharedInfo, SharedInfoDescriptor.EVTCHN_MASK_OFFSET + word(port),
                port % BITS_PER_WORD)
                && !OrderedAccess.testAndSetBit(v.vcpuInfo(), VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET,
                port / BITS_PER_WORD)) {
            v.markEventsPending();
        }
        // (3) evtchn_check_pollers: SCHEDOP_poll waits on pending bits, masked or not.
        v.domain().wakePollers();
    }

    /** {@code evtchn_2l_clear_pending}. */
    @Override
    public void clearPending(int port) {
        OrderedAccess.testAndClearBit(sharedInfo, SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + word(port),
                port % BITS_PER_WORD);
    }

    /**
     * {@code evtchn_2l_unmask}: test-and-clear mask, and if it was set and the port is pending
     * and the selector bit was clear, mark the notify vCPU's events pending.
     */
    @Override
    public void unmask(Vcpu notify, int port) {
        if (OrderedAccess.testAndClearBit(sharedInfo, SharedInfoDescriptor.EVTCHN_MASK_OFFSET + word(port),
                port % BITS_PER_WORD)
                && OrderedAccess.testBitAcquire(sharedInfo, SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + word(port),
                port % BITS_PER_WORD)
                && !OrderedAccess.testAndSetBit(notify.vcpuInfo(), VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET,
                port / BITS_PER_WORD)) {
            notify.markEventsPending();
        }
    }

    /** {@code evtchn_2l_is_pending}. */
    @Override
    public boolean isPending(int port) {
        return port < maxPorts() && OrderedAccess.testBitAcquire(sharedInfo, SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + word(port),
                port % BITS_PER_WORD);
    }

    /** {@code evtchn_2l_is_masked}. */
    @Override
    public boolean isMasked(int port) {
        return port >= maxPorts() || OrderedAccess.testBitAcquire(sharedInfo, SharedInfoDescriptor.EVTCHN_MASK_OFFSET + word(port),
                port % BITS_PER_WORD);
    }
}
