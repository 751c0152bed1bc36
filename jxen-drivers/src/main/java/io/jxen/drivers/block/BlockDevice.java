package io.jxen.drivers.block;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * A disk: what a guest program, the block backend and the NBD export read and write.
 * Offsets and lengths are in bytes and need no alignment at this level (NBD allows any byte
 * range; the blkif decoder enforces sectors before it gets here). Every operation checks
 * its range first: a range that ends past {@link #sizeBytes()} or wraps fails with
 * {@link OutOfRangeException}, and a write-like operation (write, flush, discard, write
 * zeroes) on a read-only device fails with {@link ReadOnlyDeviceException}, before any byte
 * moves. An operation the device cannot do fails with {@link UnsupportedBlockOperationException}.
 *
 * <p>Implementations are safe for concurrent use by several threads (the NBD export serves
 * several connections on one device, and multi-conn relies on it): a write that has
 * returned is visible to every later read on any thread, and {@link #flush()} makes every
 * write that returned before it durable.
 */
public interface BlockDevice extends Closeable {

    /** The logical sector size every jxen device has, in bytes (blkif's wire unit). */
    int SECTOR_SIZE_BYTES = 512;

    /** Size of the disk in bytes. */
    long sizeBytes();

    /** Logical sector size in bytes: 512 (io/blkif.h {@code sector-size}). */
    default int logicalSectorSizeBytes() {
        return SECTOR_SIZE_BYTES;
    }

    /** Physical sector size in bytes (io/blkif.h {@code physical-sector-size}), a multiple of the logical one. */
    default int physicalSectorSizeBytes() {
        return SECTOR_SIZE_BYTES;
    }

    /** True when every write-like operation fails with {@link ReadOnlyDeviceException}. */
    boolean readOnly();

    /**
     * Whether an interrupt of the calling thread during an operation on native memory leaves
     * the device working. A {@code FileChannel} closes itself for good when its caller is
     * interrupted; a backend lets other domains' threads run its requests
     * ({@link io.jxen.hypercall.ChannelPoller}) only on a device that says yes here.
     */
    default boolean interruptSafe() {
        return false;
    }

    /** What this device can do beyond read and write. */
    Set<BlockCapability> capabilities();

    /**
     * Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst}, advancing its
     * position to its limit. Never-written ranges of a sparse device read as zeroes.
     */
    void read(long offsetBytes, ByteBuffer dst) throws IOException;

    /**
     * Writes {@code src.remaining()} bytes at {@code offsetBytes}, advancing its position.
     *
     * @param fua force unit access: the data is durable when this returns
     */
    void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException;

    /**
     * Reads consecutive bytes from {@code offsetBytes} into {@code dsts} in turn, each filled
     * whole: one call for a request whose data lies in scattered pages (blkback's segments), so
     * an engine can read straight into them ({@code preadv}). This default reads into one
     * buffer and copies it out.
     *
     * @throws IllegalArgumentException if a destination is read-only
     */
    default void readScattered(long offsetBytes, List<MemorySegment> dsts) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(Segments.totalBytes(dsts, true)));
        read(offsetBytes, buffer);
        MemorySegment from = MemorySegment.ofArray(buffer.array());
        long at = 0;
        for (MemorySegment dst : dsts) {
            MemorySegment.copy(from, at, dst, 0, dst.byteSize());
            at += dst.byteSize();
        }
    }

    /**
     * Writes the bytes of {@code srcs}, one after another, at {@code offsetBytes}: the gathering
     * counterpart of {@link #readScattered} ({@code pwritev}). This default gathers them into
     * one buffer first.
     *
     * @param fua force unit access, as for {@link #write}
     */
    default void writeGathered(long offsetBytes, List<MemorySegment> srcs, boolean fua) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(Segments.totalBytes(srcs, false)));
        MemorySegment to = MemorySegment.ofArray(buffer.array());
        long at = 0;
        for (MemorySegment src : srcs) {
            MemorySegment.copy(src, 0, to, at, src.byteSize());
            at += src.byteSize();
        }
        write(offsetBytes, buffer, fua);
    }

    /** Makes every write that returned before this call durable (fsync), then returns. */
    void flush() throws IOException;

    /**
     * The range's contents become unspecified and its space may be released: on a sparse file
     * the range becomes a hole (reads of it return zeroes). Needs {@link BlockCapability#DISCARD}.
     */
    void discard(long offsetBytes, long lengthBytes) throws IOException;

    /**
     * The range reads as zeroes afterwards.
     *
     * @param mayPunchHole the space may be released (NBD without {@code NO_HOLE}); when false
     *                     the range stays allocated
     * @param fua          the zeroes are durable when this returns
     */
    void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException;

    /**
     * Allocation status of a range, for NBD's {@code base:allocation}: consecutive extents that
     * start at {@code offsetBytes}, cover at least one byte and at most the range, and never
     * overlap. A device without {@link BlockCapability#ALLOCATION_STATUS} reports one
     * allocated extent for the whole range.
     */
    List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException;

    /** Releases the device's resources; later operations fail. */
    @Override
    void close() throws IOException;
}
