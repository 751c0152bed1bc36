package io.jxen.drivers.block;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Any byte range on a disk that only takes whole sectors: blkfront refuses offsets and lengths
 * that are not multiples of 512 (blkif's wire unit, io/blkif.h), while NBD clients may send any
 * byte range (proto.md: the minimum block size is 1 unless the server says otherwise). Requests
 * that are sector-aligned go straight through. An unaligned read reads the covering sectors and
 * copies out the asked bytes. An unaligned write is a read-modify-write: it reads the partial
 * head and tail sectors (at most two), lays the new bytes over them and writes the covering
 * sectors in one request.
 *
 * <p>Concurrency. A read-modify-write holds its covering sectors exclusively in a
 * {@link SectorRangeLock} from its read until its write has returned, and every other
 * write-like request (whole-sector write, write zeroes, discard) holds its sectors shared. So
 * two writes that touch different bytes of one sector never lose each other's bytes, whichever
 * order they run in, and whole-sector writes still run in parallel with each other. Reads take
 * no lock: concurrent reads and writes of the same bytes have no defined order in NBD or blkif
 * either.
 *
 * <p>Discard shrinks to the whole sectors inside the range (a discard only makes contents
 * unspecified, so leaving the partial sectors alone is allowed). Write zeroes zeroes the
 * partial sectors by read-modify-write and passes the whole sectors to the device. Allocation
 * status is the device's for the covering sectors, clipped to the range.
 */
public final class ReadModifyWriteDevice implements BlockDevice {

    private final BlockDevice device;
    private final int sector;
    private final SectorRangeLock locks = new SectorRangeLock();
    private final java.util.concurrent.atomic.AtomicLong readModifyWrites = new java.util.concurrent.atomic.AtomicLong();

    /** Wraps {@code device}, whose unit is its {@link BlockDevice#logicalSectorSizeBytes()}. */
    public ReadModifyWriteDevice(BlockDevice device) {
        this.device = Objects.requireNonNull(device, "device");
        this.sector = device.logicalSectorSizeBytes();
        if (sector <= 0 || Integer.bitCount(sector) != 1) {
            throw new IllegalArgumentException("sector size " + sector + " is not a power of two");
        }
    }

    /** The wrapped device. */
    public BlockDevice device() {
        return device;
    }

    /** Unaligned writes done by read-modify-write so far. */
    public long readModifyWrites() {
        return readModifyWrites.get();
    }

    /** The range lock (tests order threads with it). */
    public SectorRangeLock locks() {
        return locks;
    }

    @Override
    public long sizeBytes() {
        return device.sizeBytes();
    }

    /** The device's sector: the unit that is efficient, not one callers must keep to. */
    @Override
    public int logicalSectorSizeBytes() {
        return device.logicalSectorSizeBytes();
    }

    @Override
    public int physicalSectorSizeBytes() {
        return device.physicalSectorSizeBytes();
    }

    @Override
    public boolean readOnly() {
        return device.readOnly();
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return device.capabilities();
    }

    private boolean aligned(long offsetBytes, long lengthBytes) {
        return ((offsetBytes | lengthBytes) & (sector - 1)) == 0;
    }

    private long down(long bytes) {
        return bytes & -sector;
    }

    private long up(long bytes) {
        return (bytes + sector - 1) & -sector;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        BlockRanges.checkRange(offsetBytes, length, sizeBytes());
        if (aligned(offsetBytes, length)) {
            device.read(offsetBytes, dst);
            return;
        }
        long start = down(offsetBytes);
        ByteBuffer covering = ByteBuffer.allocate(Math.toIntExact(up(offsetBytes + length) - start));
        device.read(start, covering);
        dst.put(covering.flip().position((int) (offsetBytes - start)).limit((int) (offsetBytes - start) + length));
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        BlockRanges.checkWritable("write", readOnly(), offsetBytes, length, sizeBytes());
        if (length == 0) {
            return;
        }
        if (aligned(offsetBytes, length)) {
            try (SectorRangeLock.Range _ = lock(offsetBytes, offsetBytes + length, false)) {
                device.write(offsetBytes, src, fua);
            }
            return;
        }
        readModifyWrite(offsetBytes, src, fua);
    }

    /** Writes {@code src} at an unaligned offset or length: partial sectors are read, patched, and written whole. */
    private void readModifyWrite(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        long start = down(offsetBytes);
        long end = up(offsetBytes + length);
        ByteBuffer covering = ByteBuffer.allocate(Math.toIntExact(end - start));
        try (SectorRangeLock.Range _ = lock(start, end, true)) {
            long headEnd = start + sector;
            long tailStart = end - sector;
            if (offsetBytes != start) {
                device.read(start, covering.slice(0, sector));
            }
            boolean tailPartial = offsetBytes + length != end;
            if (tailPartial && (tailStart >= headEnd || offsetBytes == start)) {
                device.read(tailStart, covering.slice((int) (tailStart - start), sector));
            }
            covering.put((int) (offsetBytes - start), src, src.position(), length);
            src.position(src.limit());
            device.write(start, covering, fua);
            readModifyWrites.incrementAndGet();
        }
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        BlockRanges.checkWritable("discard", readOnly(), offsetBytes, lengthBytes, sizeBytes());
        long start = up(offsetBytes);
        long end = down(offsetBytes + lengthBytes);
        if (end <= start) {
            if (!device.capabilities().contains(BlockCapability.DISCARD)) {
                throw new UnsupportedBlockOperationException(BlockCapability.DISCARD);
            }
            return;
        }
        try (SectorRangeLock.Range _ = lock(start, end, false)) {
            device.discard(start, end - start);
        }
    }

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        BlockRanges.checkWritable("write zeroes", readOnly(), offsetBytes, lengthBytes, sizeBytes());
        if (lengthBytes == 0) {
            return;
        }
        long end = offsetBytes + lengthBytes;
        long innerStart = up(offsetBytes);
        long innerEnd = down(end);
        if (innerEnd <= innerStart) {
            // Inside one or two partial sectors only.
            readModifyWrite(offsetBytes, ByteBuffer.allocate((int) lengthBytes), fua);
            return;
        }
        if (offsetBytes != innerStart) {
            readModifyWrite(offsetBytes, ByteBuffer.allocate((int) (innerStart - offsetBytes)), false);
        }
        if (end != innerEnd) {
            readModifyWrite(innerEnd, ByteBuffer.allocate((int) (end - innerEnd)), false);
        }
        try (SectorRangeLock.Range _ = lock(innerStart, innerEnd, false)) {
            device.writeZeroes(innerStart, innerEnd - innerStart, mayPunchHole, fua);
        }
        if (fua && (offsetBytes != innerStart || end != innerEnd)) {
            device.flush();
        }
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        BlockRanges.checkRange(offsetBytes, lengthBytes, sizeBytes());
        if (aligned(offsetBytes, lengthBytes)) {
            return device.allocation(offsetBytes, lengthBytes);
        }
        long end = offsetBytes + lengthBytes;
        List<Extent> clipped = new ArrayList<>();
        for (Extent e : device.allocation(down(offsetBytes), up(end) - down(offsetBytes))) {
            long s = Math.max(e.offsetBytes(), offsetBytes);
            long t = Math.min(e.endBytes(), end);
            if (t > s) {
                clipped.add(new Extent(s, t - s, e.hole(), e.zero()));
            }
        }
        return clipped;
    }

    @Override
    public void close() throws IOException {
        device.close();
    }

    private SectorRangeLock.Range lock(long start, long end, boolean exclusive) throws InterruptedIOException {
        try {
            return locks.acquire(start, end, exclusive);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for sectors " + start + ".." + end);
        }
    }
}
