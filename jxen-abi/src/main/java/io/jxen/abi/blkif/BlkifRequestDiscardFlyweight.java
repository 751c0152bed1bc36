package io.jxen.abi.blkif;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;
import io.jxen.abi.XenAbi;

import java.lang.foreign.MemorySegment;

/**
 * View of a {@code struct blkif_request_discard} (io/blkif.h) in the layout of one {@link XenAbi}; see
 * {@link BlkifRequestDiscardDescriptor}. {@code operation}, {@code handle} and {@code id} sit where
 * {@link BlkifRequestFlyweight} reads them.
 *
 * <p>64-bit fields are accessed with the 4-byte alignment x86_32 gives {@code uint64_t}
 * ({@link OrderedAccess#getLongAlign4}), plain only.
 */
public final class BlkifRequestDiscardFlyweight extends Flyweight {

    private record Layout(int size, int alignment, int flag, int sectorNumber, int nrSectors) {
    }

    private static final Layout X86_64 = new Layout(BlkifRequestDiscardDescriptor.X86_64.SIZE,
            BlkifRequestDiscardDescriptor.X86_64.ALIGNMENT, BlkifRequestDiscardDescriptor.X86_64.FLAG_OFFSET,
            BlkifRequestDiscardDescriptor.X86_64.SECTOR_NUMBER_OFFSET, BlkifRequestDiscardDescriptor.X86_64.NR_SECTORS_OFFSET);
    private static final Layout X86_32 = new Layout(BlkifRequestDiscardDescriptor.X86_32.SIZE,
            BlkifRequestDiscardDescriptor.X86_32.ALIGNMENT, BlkifRequestDiscardDescriptor.X86_32.FLAG_OFFSET,
            BlkifRequestDiscardDescriptor.X86_32.SECTOR_NUMBER_OFFSET, BlkifRequestDiscardDescriptor.X86_32.NR_SECTORS_OFFSET);

    private final Layout layout;

    /** A view of discard requests laid out for {@code abi}. */
    public BlkifRequestDiscardFlyweight(XenAbi abi) {
        this.layout = switch (abi) {
            case X86_64 -> X86_64;
            case X86_32 -> X86_32;
        };
    }

    /** Wraps the request at {@code offset} of {@code segment}. */
    public BlkifRequestDiscardFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, layout.size(), layout.alignment());
        return this;
    }

    /** {@code flag}: {@link BlkifLimits#DISCARD_SECURE} or 0. */
    public int getFlag() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + layout.flag()));
    }

    /** Sets {@code flag}. */
    public void setFlag(int flag) {
        OrderedAccess.setBytePlain(segment(), offset() + layout.flag(), (byte) flag);
    }

    /** {@code sector_number}: the first sector to discard. */
    public long getSectorNumber() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.sectorNumber());
    }

    /** Sets {@code sector_number}. */
    public void setSectorNumber(long sector) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.sectorNumber(), sector);
    }

    /** {@code nr_sectors}: how many sectors to discard. */
    public long getNrSectors() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.nrSectors());
    }

    /** Sets {@code nr_sectors}. */
    public void setNrSectors(long sectors) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.nrSectors(), sectors);
    }
}
