package io.jxen.abi.blkif;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;
import io.jxen.abi.XenAbi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * View of a {@code struct blkif_request_indirect} (io/blkif.h) in the layout of one {@link XenAbi}; see
 * {@link BlkifRequestIndirectDescriptor}. {@code nr_segments} is 16 bits here and returned as written;
 * bounding it by the negotiated maximum is the reader's job.
 *
 * <p>64-bit fields are accessed with the 4-byte alignment x86_32 gives {@code uint64_t}
 * ({@link OrderedAccess#getLongAlign4}), plain only.
 */
public final class BlkifRequestIndirectFlyweight extends Flyweight {

    private record Layout(int size, int alignment, int indirectOp, int nrSegments, int id, int sectorNumber,
                          int handle, int indirectGrefs) {
    }

    private static final Layout X86_64 = new Layout(BlkifRequestIndirectDescriptor.X86_64.SIZE,
            BlkifRequestIndirectDescriptor.X86_64.ALIGNMENT, BlkifRequestIndirectDescriptor.X86_64.INDIRECT_OP_OFFSET,
            BlkifRequestIndirectDescriptor.X86_64.NR_SEGMENTS_OFFSET, BlkifRequestIndirectDescriptor.X86_64.ID_OFFSET,
            BlkifRequestIndirectDescriptor.X86_64.SECTOR_NUMBER_OFFSET, BlkifRequestIndirectDescriptor.X86_64.HANDLE_OFFSET,
            BlkifRequestIndirectDescriptor.X86_64.INDIRECT_GREFS_OFFSET);
    private static final Layout X86_32 = new Layout(BlkifRequestIndirectDescriptor.X86_32.SIZE,
            BlkifRequestIndirectDescriptor.X86_32.ALIGNMENT, BlkifRequestIndirectDescriptor.X86_32.INDIRECT_OP_OFFSET,
            BlkifRequestIndirectDescriptor.X86_32.NR_SEGMENTS_OFFSET, BlkifRequestIndirectDescriptor.X86_32.ID_OFFSET,
            BlkifRequestIndirectDescriptor.X86_32.SECTOR_NUMBER_OFFSET, BlkifRequestIndirectDescriptor.X86_32.HANDLE_OFFSET,
            BlkifRequestIndirectDescriptor.X86_32.INDIRECT_GREFS_OFFSET);

    private final Layout layout;

    /** A view of indirect requests laid out for {@code abi}. */
    public BlkifRequestIndirectFlyweight(XenAbi abi) {
        this.layout = switch (abi) {
            case X86_64 -> X86_64;
            case X86_32 -> X86_32;
        };
    }

    /** Wraps the request at {@code offset} of {@code segment}. */
    public BlkifRequestIndirectFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, layout.size(), layout.alignment());
        return this;
    }

    /** {@code indirect_op}: {@link BlkifOp#READ} or {@link BlkifOp#WRITE}. */
    public int getIndirectOp() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + layout.indirectOp()));
    }

    /** Sets {@code indirect_op}. */
    public void setIndirectOp(int operation) {
        OrderedAccess.setBytePlain(segment(), offset() + layout.indirectOp(), (byte) operation);
    }

    /** {@code nr_segments}, unvalidated. */
    public int getNrSegments() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + layout.nrSegments()));
    }

    /** Sets {@code nr_segments}. */
    public void setNrSegments(int segments) {
        OrderedAccess.setShortPlain(segment(), offset() + layout.nrSegments(), (short) segments);
    }

    /** {@code id}. */
    public long getId() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.id());
    }

    /** Sets {@code id}. */
    public void setId(long id) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.id(), id);
    }

    /** {@code sector_number}. */
    public long getSectorNumber() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.sectorNumber());
    }

    /** Sets {@code sector_number}. */
    public void setSectorNumber(long sector) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.sectorNumber(), sector);
    }

    /** {@code handle}. */
    public int getHandle() {
        return Short.toUnsignedInt(OrderedAccess.getShortPlain(segment(), offset() + layout.handle()));
    }

    /** Sets {@code handle}. */
    public void setHandle(int handle) {
        OrderedAccess.setShortPlain(segment(), offset() + layout.handle(), (short) handle);
    }

    /** {@code indirect_grefs[index]}. */
    public int getIndirectGref(int index) {
        return OrderedAccess.getIntPlain(segment(), grefAt(index));
    }

    /** Sets {@code indirect_grefs[index]}. */
    public void setIndirectGref(int index, int gref) {
        OrderedAccess.setIntPlain(segment(), grefAt(index), gref);
    }

    private long grefAt(int index) {
        Objects.checkIndex(index, BlkifLimits.MAX_INDIRECT_PAGES_PER_REQUEST);
        return offset() + layout.indirectGrefs() + (long) index * Integer.BYTES;
    }
}
