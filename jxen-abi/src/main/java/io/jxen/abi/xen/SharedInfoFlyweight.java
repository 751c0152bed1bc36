package io.jxen.abi.xen;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.jxen.abi.xen.SharedInfoDescriptor.ARCH_MAX_PFN_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.ARCH_P2M_CR3_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.ARCH_P2M_GENERATION_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.ARCH_P2M_VADDR_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.ARCH_PFN_TO_MFN_FRAME_LIST_LIST_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.EVTCHN_MASK_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.EVTCHN_PENDING_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.EVTCHN_WORDS;
import static io.jxen.abi.xen.SharedInfoDescriptor.VCPU_INFO_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.WC_NSEC_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.WC_SEC_HI_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.WC_SEC_OFFSET;
import static io.jxen.abi.xen.SharedInfoDescriptor.WC_VERSION_OFFSET;

/**
 * View of the shared-info page, {@code struct shared_info} (xen.h, x86_64); see
 * {@link SharedInfoDescriptor} for the drawing.
 *
 * <p>Event bitmap words are addressed by word index ({@code port / 64}) and changed only with
 * atomic read-modify-writes: Xen sets pending bits while the guest clears them and owns the
 * mask.
 */
public final class SharedInfoFlyweight extends Flyweight {

    /** Wraps the page at {@code offset} of {@code segment}. */
    public SharedInfoFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, SharedInfoDescriptor.SIZE, SharedInfoDescriptor.ALIGNMENT);
        return this;
    }

    /**
     * Wraps {@code into} over {@code vcpu_info[vcpu]} and returns it.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= vcpu < XEN_LEGACY_MAX_VCPUS}
     */
    public VcpuInfoFlyweight vcpuInfo(int vcpu, VcpuInfoFlyweight into) {
        Objects.checkIndex(vcpu, XenLimits.XEN_LEGACY_MAX_VCPUS);
        return into.wrap(segment(), offset() + VCPU_INFO_OFFSET + (long) vcpu * VcpuInfoDescriptor.SIZE);
    }

    /** Word {@code word} of {@code evtchn_pending}, volatile. */
    public long getPendingWordVolatile(int word) {
        return OrderedAccess.getLongVolatile(segment(), pendingWord(word));
    }

    /** Atomically sets bits of {@code evtchn_pending[word]}; returns the previous word. */
    public long getAndOrPendingWord(int word, long bits) {
        return OrderedAccess.getAndBitwiseOrLong(segment(), pendingWord(word), bits);
    }

    /** Atomically clears bits of {@code evtchn_pending[word]}; returns the previous word. */
    public long getAndClearPendingBits(int word, long bits) {
        return OrderedAccess.getAndBitwiseAndLong(segment(), pendingWord(word), ~bits);
    }

    /** Word {@code word} of {@code evtchn_mask}, volatile. */
    public long getMaskWordVolatile(int word) {
        return OrderedAccess.getLongVolatile(segment(), maskWord(word));
    }

    /** Atomically sets bits of {@code evtchn_mask[word]}; returns the previous word. */
    public long getAndOrMaskWord(int word, long bits) {
        return OrderedAccess.getAndBitwiseOrLong(segment(), maskWord(word), bits);
    }

    /** Atomically clears bits of {@code evtchn_mask[word]}; returns the previous word. */
    public long getAndClearMaskBits(int word, long bits) {
        return OrderedAccess.getAndBitwiseAndLong(segment(), maskWord(word), ~bits);
    }

    /** {@code wc_version}, acquire: read before and after the wallclock (odd = update in progress). */
    public int getWcVersionAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + WC_VERSION_OFFSET);
    }

    /** Sets {@code wc_version} with release order. */
    public void setWcVersionRelease(int version) {
        OrderedAccess.setIntRelease(segment(), offset() + WC_VERSION_OFFSET, version);
    }

    /** Wallclock seconds at system time 0: {@code wc_sec_hi << 32 | wc_sec}. */
    public long getWcSec() {
        long low = Integer.toUnsignedLong(OrderedAccess.getIntPlain(segment(), offset() + WC_SEC_OFFSET));
        long high = Integer.toUnsignedLong(OrderedAccess.getIntPlain(segment(), offset() + WC_SEC_HI_OFFSET));
        return high << 32 | low;
    }

    /** Sets {@code wc_sec} and {@code wc_sec_hi}. */
    public void setWcSec(long seconds) {
        OrderedAccess.setIntPlain(segment(), offset() + WC_SEC_OFFSET, (int) seconds);
        OrderedAccess.setIntPlain(segment(), offset() + WC_SEC_HI_OFFSET, (int) (seconds >>> 32));
    }

    /** {@code wc_nsec}. */
    public int getWcNsec() {
        return OrderedAccess.getIntPlain(segment(), offset() + WC_NSEC_OFFSET);
    }

    /** Sets {@code wc_nsec}. */
    public void setWcNsec(int nanoseconds) {
        OrderedAccess.setIntPlain(segment(), offset() + WC_NSEC_OFFSET, nanoseconds);
    }

    /** {@code arch.max_pfn}. */
    public long getMaxPfn() {
        return OrderedAccess.getLongPlain(segment(), offset() + ARCH_MAX_PFN_OFFSET);
    }

    /** Sets {@code arch.max_pfn}. */
    public void setMaxPfn(long maxPfn) {
        OrderedAccess.setLongPlain(segment(), offset() + ARCH_MAX_PFN_OFFSET, maxPfn);
    }

    /** {@code arch.pfn_to_mfn_frame_list_list}. */
    public long getPfnToMfnFrameListList() {
        return OrderedAccess.getLongPlain(segment(), offset() + ARCH_PFN_TO_MFN_FRAME_LIST_LIST_OFFSET);
    }

    /** Sets {@code arch.pfn_to_mfn_frame_list_list}. */
    public void setPfnToMfnFrameListList(long frame) {
        OrderedAccess.setLongPlain(segment(), offset() + ARCH_PFN_TO_MFN_FRAME_LIST_LIST_OFFSET, frame);
    }

    /** {@code arch.p2m_cr3}. */
    public long getP2mCr3() {
        return OrderedAccess.getLongPlain(segment(), offset() + ARCH_P2M_CR3_OFFSET);
    }

    /** {@code arch.p2m_vaddr}. */
    public long getP2mVaddr() {
        return OrderedAccess.getLongPlain(segment(), offset() + ARCH_P2M_VADDR_OFFSET);
    }

    /** {@code arch.p2m_generation}, acquire (odd while the guest updates the p2m). */
    public long getP2mGenerationAcquire() {
        return OrderedAccess.getLongAcquire(segment(), offset() + ARCH_P2M_GENERATION_OFFSET);
    }

    private long pendingWord(int word) {
        return offset() + EVTCHN_PENDING_OFFSET + (long) Objects.checkIndex(word, EVTCHN_WORDS) * Long.BYTES;
    }

    private long maskWord(int word) {
        return offset() + EVTCHN_MASK_OFFSET + (long) Objects.checkIndex(word, EVTCHN_WORDS) * Long.BYTES;
    }
}
