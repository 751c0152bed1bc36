package io.jxen.abi.gnttab;

import io.jxen.abi.AbiAccess;
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
        return Short.toUnsignedInt(AbiAccess.getShortAcquire(segment(), offset() + GrantEntryHeaderDescriptor.FLAGS_OFFSET));
    }

    /** Sets {@code hdr.flags} with release order, after the rest of the entry. */
    public void setFlagsRelease(int flags) {
        AbiAccess.setShortRelease(segment(), offset() + GrantEntryHeaderDescriptor.FLAGS_OFFSET, (short) flags);
    }

    /** {@code hdr.domid}. */
    public int getDomid() {
        return Short.toUnsignedInt(AbiAccess.getShort(segment(), offset() + GrantEntryHeaderDescriptor.DOMID_OFFSET));
    }

    /** Sets {@code hdr.domid}. */
    public void setDomid(int domid) {
        AbiAccess.setShort(segment(), offset() + GrantEntryHeaderDescriptor.DOMID_OFFSET, (short) domid);
    }

    /** {@code full_page.frame}. */
    public long getFullPageFrame() {
        return AbiAccess.getLong(segment(), offset() + FULL_PAGE_FRAME_OFFSET);
    }

    /** Sets {@code full_page.frame}. */
    public void setFullPageFrame(long frame) {
        AbiAccess.setLong(segment(), offset() + FULL_PAGE_FRAME_OFFSET, frame);
    }

    /** {@code sub_page.page_off}. */
    public int getSubPageOffset() {
        return Short.toUnsignedInt(AbiAccess.getShort(segment(), offset() + SUB_PAGE_PAGE_OFF_OFFSET));
    }

    /** {@code sub_page.length}. */
    public int getSubPageLength() {
        return Short.toUnsignedInt(AbiAccess.getShort(segment(), offset() + SUB_PAGE_LENGTH_OFFSET));
    }

    /** Sets {@code sub_page.page_off} and {@code sub_page.length}; the frame is {@link #setFullPageFrame}'s. */
    public void setSubPage(int pageOffset, int length) {
        AbiAccess.setShort(segment(), offset() + SUB_PAGE_PAGE_OFF_OFFSET, (short) pageOffset);
        AbiAccess.setShort(segment(), offset() + SUB_PAGE_LENGTH_OFFSET, (short) length);
    }

    /** {@code transitive.trans_domid}. */
    public int getTransitiveDomid() {
        return Short.toUnsignedInt(AbiAccess.getShort(segment(), offset() + TRANSITIVE_TRANS_DOMID_OFFSET));
    }

    /** {@code transitive.gref}. */
    public int getTransitiveGref() {
        return AbiAccess.getInt(segment(), offset() + TRANSITIVE_GREF_OFFSET);
    }

    /** Sets {@code transitive.trans_domid} and {@code transitive.gref}. */
    public void setTransitive(int domid, int gref) {
        AbiAccess.setShort(segment(), offset() + TRANSITIVE_TRANS_DOMID_OFFSET, (short) domid);
        AbiAccess.setInt(segment(), offset() + TRANSITIVE_GREF_OFFSET, gref);
    }
}
