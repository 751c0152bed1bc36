package io.jxen.guest.time;

import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The RTC of a Xen guest (FreeBSD's {@code xentimer_gettime}, Linux's {@code xen_read_wallclock}):
 * the wallclock Xen publishes in shared_info ({@code wc_version}, {@code wc_sec}, {@code wc_nsec},
 * {@code wc_sec_hi}) is the wall time at system time 0; adding the current system time gives
 * the time of day. The wallclock triple is read under its version seqlock.
 */
public final class XenRtc {

    private static final long NS_PER_S = 1_000_000_000L;

    private final MemorySegment sharedInfo;
    private final XenTimecounter timecounter;

    /**
     * @param sharedInfo  the mapped shared_info
     * @param timecounter system time
     */
    public XenRtc(MemorySegment sharedInfo, XenTimecounter timecounter) {
        this.sharedInfo = sharedInfo;
        this.timecounter = timecounter;
    }

    /** Wall time, in nanoseconds since the epoch, at Xen system time 0. */
    public long wallclockAtBootNanos() {
        while (true) {
            int version = OrderedAccess.getIntAcquire(sharedInfo, SharedInfoDescriptor.WC_VERSION_OFFSET) & ~1;
            long sec = Integer.toUnsignedLong(OrderedAccess.getIntPlain(sharedInfo, SharedInfoDescriptor.WC_SEC_OFFSET))
                    | Integer.toUnsignedLong(OrderedAccess.getIntPlain(sharedInfo, SharedInfoDescriptor.WC_SEC_HI_OFFSET)) << 32;
            long nsec = Integer.toUnsignedLong(OrderedAccess.getIntPlain(sharedInfo, SharedInfoDescriptor.WC_NSEC_OFFSET));
            OrderedAccess.readBarrier(); // the triple's loads complete before the version reload
            if (OrderedAccess.getIntAcquire(sharedInfo, SharedInfoDescriptor.WC_VERSION_OFFSET) == version) {
                return sec * NS_PER_S + nsec;
            }
            Thread.onSpinWait();
        }
    }

    /** The time of day in nanoseconds since the epoch, as read on vCPU {@code vcpu}. */
    public long epochNanos(int vcpu) {
        return wallclockAtBootNanos() + timecounter.nanos(vcpu);
    }
}
