package io.jxen.abi.blkif;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;
import io.jxen.abi.XenAbi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * View of a {@code struct blkif_request} (io/blkif.h) in the layout of one {@link XenAbi}; see
 * {@link BlkifRequestDescriptor}. A backend copies a request out of the shared ring before
 * reading it (design.md section 4), so this view is normally wrapped over that private copy
 * and its accesses are plain. {@code nr_segments} is returned as written: validating it
 * against {@link BlkifLimits#MAX_SEGMENTS_PER_REQUEST} is the reader's job, and
 * {@link #getSegmentGref} and friends reject indices beyond the array.
 *
 * <p>64-bit fields are accessed with the 4-byte alignment x86_32 gives {@code uint64_t}
 * ({@link OrderedAccess#getLongAlign4}), plain only.
 */
public final class BlkifRequestFlyweight extends Flyweight {

    private record Layout(int size, int alignment, int operation, int nrSegments, int handle, int id,
                          int sectorNumber, int seg) {
    }

    private static final Layout X86_64 = new Layout(BlkifRequestDescriptor.X86_64.SIZE,
            BlkifRequestDescriptor.X86_64.ALIGNMENT, BlkifRequestDescriptor.X86_64.OPERATION_OFFSET,
            BlkifRequestDescriptor.X86_64.NR_SEGMENTS_OFFSET, BlkifRequestDescriptor.X86_64.HANDLE_OFFSET,
            BlkifRequestDescriptor.X86_64.ID_OFFSET, BlkifRequestDescriptor.X86_64.SECTOR_NUMBER_OFFSET,
            BlkifRequestDescriptor.X86_64.SEG_OFFSET);
    private static final Layout X86_32 = new Layout(BlkifRequestDescriptor.X86_32.SIZE,
            BlkifRequestDescriptor.X86_32.ALIGNMENT, BlkifRequestDescriptor.X86_32.OPERATION_OFFSET,
            BlkifRequestDescriptor.X86_32.NR_SEGMENTS_OFFSET, BlkifRequestDescriptor.X86_32.HANDLE_OFFSET,
            BlkifRequestDescriptor.X86_32.ID_OFFSET, BlkifRequestDescriptor.X86_32.SECTOR_NUMBER_OFFSET,
            BlkifRequestDescriptor.X86_32.SEG_OFFSET);

    private final Layout layout;

    /** A view of requests laid out for {@code abi}. */
    public BlkifRequestFlyweight(XenAbi abi) {
        this.layout = switch (abi) {
            case X86_64 -> X86_64;
            case X86_32 -> X86_32;
        };
    }

    /** Bytes of one request in this view's ABI. */
    public int size() {
        return layout.size();
    }

    /** Wraps the request at {@code offset} of {@code segment}. */
    public BlkifRequestFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, layout.size(), layout.alignment());
        return this;
    }

    /** {@code operation}: a {@link BlkifOp} value. */
    public int getOperation() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + layout.operation()));
    }

    /** Sets {@code operation}. */
    public void setOperation(int operation) {
        OrderedAccess.setBytePlain(segment(), offset() + layout.operation(), (byte) operation);
    }

    /** {@code nr_segments}, unvalidated. */
    public int getNrSegments() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + layout.nrSegments()));
    }

    /** Sets {@code nr_segments}. */
    public void setNrSegments(int segments) {
        OrderedAccess.setBytePlain(segment(), offset() + layout.nrSegments(), (byte) segments);
    }

    /** {@code handle}: the virtual device. */
    public int getHandle() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + layout.handle()));
    }

    /** Sets {@code handle}. */
    public void setHandle(int handle) {
        OrderedAccess.setShortPlain(segment(), offset() + layout.handle(), (short) handle);
    }

    /** {@code id}: the frontend's cookie. */
    public long getId() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.id());
    }

    /** Sets {@code id}. */
    public void setId(long id) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.id(), id);
    }

    /** {@code sector_number}, in 512-byte units. */
    public long getSectorNumber() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.sectorNumber());
    }

    /** Sets {@code sector_number}. */
    public void setSectorNumber(long sector) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.sectorNumber(), sector);
    }

    /** {@code seg[index].gref}. */
    public int getSegmentGref(int index) {
        return OrderedAccess.getIntPlain(segment(), segmentAt(index) + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET);
    }

    /** {@code seg[index].first_sect}. */
    public int getSegmentFirstSect(int index) {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(),
                segmentAt(index) + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET));
    }

    /** {@code seg[index].last_sect}. */
    public int getSegmentLastSect(int index) {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(),
                segmentAt(index) + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET));
    }

    /** Sets {@code seg[index]}. */
    public void setSegment(int index, int gref, int firstSect, int lastSect) {
        long at = segmentAt(index);
        OrderedAccess.setIntPlain(segment(), at + BlkifRequestSegmentDescriptor.X86_64.GREF_OFFSET, gref);
        OrderedAccess.setBytePlain(segment(), at + BlkifRequestSegmentDescriptor.X86_64.FIRST_SECT_OFFSET, (byte) firstSect);
        OrderedAccess.setBytePlain(segment(), at + BlkifRequestSegmentDescriptor.X86_64.LAST_SECT_OFFSET, (byte) lastSect);
    }

    // The segment layout is the same on both ABIs (checked by the oracle under each).
    private long segmentAt(int index) {
        Objects.checkIndex(index, BlkifLimits.MAX_SEGMENTS_PER_REQUEST);
        return offset() + layout.seg() + (long) index * BlkifRequestSegmentDescriptor.X86_64.SIZE;
    }
}
