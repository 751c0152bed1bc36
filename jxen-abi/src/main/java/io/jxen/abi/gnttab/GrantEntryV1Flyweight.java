package io.jxen.abi.gnttab;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;

import static io.jxen.abi.gnttab.GrantEntryV1Descriptor.DOMID_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV1Descriptor.FLAGS_OFFSET;
import static io.jxen.abi.gnttab.GrantEntryV1Descriptor.FRAME_OFFSET;

/**
 * View of a {@code struct grant_entry_v1} (grant_table.h); see {@link GrantEntryV1Descriptor}.
 *
 * <p>{@code flags} and {@code domid} form the entry's first 32-bit word. Xen updates them
 * together with one compare-and-set of that word, so that checking the grantee and setting
 * {@code GTF_reading}/{@code GTF_writing} is a single step the granting guest cannot race; a
 * 16-bit compare-and-set does not exist for memory segments anyway. The word's low half is
 * {@code flags} (little-endian), its high half {@code domid}: see {@link #header(int, int)}.
 */
public final class GrantEntryV1Flyweight extends Flyweight {

    /** Wraps the entry at {@code offset} of {@code segment}. */
    public GrantEntryV1Flyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, GrantEntryV1Descriptor.SIZE, GrantEntryV1Descriptor.ALIGNMENT);
        return this;
    }

    /** The header word for {@code flags} and {@code domid}, as {@link #getHeaderVolatile} returns it. */
    public static int header(int flags, int domid) {
        return (domid & 0xFFFF) << 16 | (flags & 0xFFFF);
    }

    /** {@code flags} of a header word. */
    public static int flagsOf(int header) {
        return header & 0xFFFF;
    }

    /** {@code domid} of a header word. */
    public static int domidOf(int header) {
        return header >>> 16;
    }

    /** {@code flags}, acquire: read it before trusting {@code frame}. */
    public int getFlagsAcquire() {
        return Short.toUnsignedInt(OrderedAccess.getShortAcquire(segment(), offset() + FLAGS_OFFSET));
    }

    /** Sets {@code flags} with release order: the granting guest fills domid and frame first. */
    public void setFlagsRelease(int flags) {
        OrderedAccess.setShortRelease(segment(), offset() + FLAGS_OFFSET, (short) flags);
    }

    /** {@code domid}. */
    public int getDomid() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + DOMID_OFFSET));
    }

    /** Sets {@code domid}. */
    public void setDomid(int domid) {
        OrderedAccess.setShortPlain(segment(), offset() + DOMID_OFFSET, (short) domid);
    }

    /** {@code frame}. */
    public int getFrame() {
        return OrderedAccess.getIntPlain(segment(), offset() + FRAME_OFFSET);
    }

    /** Sets {@code frame}. */
    public void setFrame(int frame) {
        OrderedAccess.setIntPlain(segment(), offset() + FRAME_OFFSET, frame);
    }

    /** {@code flags} and {@code domid} as one header word, volatile. */
    public int getHeaderVolatile() {
        return OrderedAccess.getIntVolatile(segment(), offset() + FLAGS_OFFSET);
    }

    /** Atomically replaces the header word if it still equals {@code expected}. */
    public boolean compareAndSetHeader(int expected, int value) {
        return OrderedAccess.compareAndSetInt(segment(), offset() + FLAGS_OFFSET, expected, value);
    }
}
