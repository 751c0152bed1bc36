package io.jxen.abi.gnttab;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;

import static io.jxen.abi.gnttab.GrantEntryV2Descriptor.FULL_PAGE_FRAME_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV2Descriptor.SUB_PAGE_LENGTH_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV2Descriptor.SUB_PAGE_PAGE_OFF_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV2Descriptor.TRANSITIVE_GREF_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV2Descriptor.TRANSITIVE_TRANS_DOMID_OFFSET;

/**
 * View of a {@code union grant_entry_v2} (grant_table.h); see {@link GrantEntryV2Descriptor}.
 * The header ({@code flags}, {@code domid}) sits where it does in v1 and is read the same way;
 * in v2 the status bits ({@code GTF_reading}/{@code GTF_writing}) live in a separate
 * {@code grant_status_t} array rather than in {@code flags}.
 */
public final class GrantEntryV2Flyweight extends Flyweight {

    /** Wraps the entry at {@code offset} of {@code segment}. */
    public GrantEntryV2Flyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, GrantEntryV2Descriptor.SIZE, GrantEntryV2Descriptor.ALIGNMENT);
        return this;
    }

    /** {@code hdr.flags}, acquire. */
    public int getFlagsAcquire() {
        return Short.toUnsignedInt(OrderedAccess.getShortAcquire(segment(), offset() + GrantEntryHeaderDescriptor.FLAGS_OFFSET));
    }

    /** Sets {@code hdr.flags} with release order, after the rest of the entry. */
    public void setFlagsRelease(int flags) {
        OrderedAccess.setShortRelease(segment(), offset() + GrantEntryHeaderDescriptor.FLAGS_OFFSET, (short) flags);
    }

    /** {@code hdr.domid}. */
    public int getDomid() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + GrantEntryHeaderDescriptor.DOMID_OFFSET));
    }

    /** Sets {@code hdr.domid}. */
    public void setDomid(int domid) {
        OrderedAccess.setShortPlain(segment(), offset() + GrantEntryHeaderDescriptor.DOMID_OFFSET, (short) domid);
    }

    /** {@code full_page.frame}. */
    public long getFullPageFrame() {
        return OrderedAccess.getLongPlain(segment(), offset() + FULL_PAGE_FRAME_OFFSET);
    }

    /** Sets {@code full_page.frame}. */
    public void setFullPageFrame(long frame) {
        OrderedAccess.setLongPlain(segment(), offset() + FULL_PAGE_FRAME_OFFSET, frame);
    }

    /** {@code sub_page.page_off}. */
    public int getSubPageOffset() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + SUB_PAGE_PAGE_OFF_OFFSET));
    }

    /** {@code sub_page.length}. */
    public int getSubPageLength() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + SUB_PAGE_LENGTH_OFFSET));
    }

    /** Sets {@code sub_page.page_off} and {@code sub_page.length}; the frame is {@link #setFullPageFrame}'s. */
    public void setSubPage(int pageOffset, int length) {
        OrderedAccess.setShortPlain(segment(), offset() + SUB_PAGE_PAGE_OFF_OFFSET, (short) pageOffset);
        OrderedAccess.setShortPlain(segment(), offset() + SUB_PAGE_LENGTH_OFFSET, (short) length);
    }

    /** {@code transitive.trans_domid}. */
    public int getTransitiveDomid() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + TRANSITIVE_TRANS_DOMID_OFFSET));
    }

    /** {@code transitive.gref}. */
    public int getTransitiveGref() {
        return OrderedAccess.getIntPlain(segment(), offset() + TRANSITIVE_GREF_OFFSET);
    }

    /** Sets {@code transitive.trans_domid} and {@code transitive.gref}. */
    public void setTransitive(int domid, int gref) {
        OrderedAccess.setShortPlain(segment(), offset() + TRANSITIVE_TRANS_DOMID_OFFSET, (short) domid);
        OrderedAccess.setIntPlain(segment(), offset() + TRANSITIVE_GREF_OFFSET, gref);
    }
}
