package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link IoBatch} on any {@link BlockDevice}: each transfer is one
 * {@link BlockDevice#readScattered}/{@link BlockDevice#writeGathered} call, in the order added,
 * or last first when made {@code reversed} ({@link IoBatch#lastFirst}).
 */
final class SerialBatch implements IoBatch {

    private final BlockDevice disk;
    private final int maxTransfers;
    private final int maxSegments;
    private final boolean[] write;
    private final long[] offset;
    private final int[] firstSegment;
    private final IOException[] failures;
    private final List<MemorySegment> parts = new ArrayList<>();
    private int transfers;
    private boolean open;

    private final boolean reversed;

    SerialBatch(BlockDevice disk, int maxTransfers, int maxSegments) {
        this(disk, maxTransfers, maxSegments, false);
    }

    SerialBatch(BlockDevice disk, int maxTransfers, int maxSegments, boolean reversed) {
        this.reversed = reversed;
        if (maxTransfers < 1 || maxSegments < 1) {
            throw new IllegalArgumentException("batch of " + maxTransfers + " transfers, " + maxSegments + " segments");
        }
        this.disk = disk;
        this.maxTransfers = maxTransfers;
        this.maxSegments = maxSegments;
        this.write = new boolean[maxTransfers];
        this.offset = new long[maxTransfers];
        this.firstSegment = new int[maxTransfers + 1];
        this.failures = new IOException[maxTransfers];
    }

    @Override
    public int maxTransfers() {
        return maxTransfers;
    }

    @Override
    public int maxSegments() {
        return maxSegments;
    }

    @Override
    public int transfers() {
        return transfers;
    }

    @Override
    public int segments() {
        return parts.size();
    }

    @Override
    public void begin(boolean isWrite, long offsetBytes) {
        if (open || transfers == maxTransfers) {
            throw new IllegalStateException(open ? "a transfer is begun" : "batch full");
        }
        open = true;
        write[transfers] = isWrite;
        offset[transfers] = offsetBytes;
        firstSegment[transfers] = parts.size();
    }

    @Override
    public void segment(MemorySegment page, long pageOffset, long bytes) {
        if (!open || parts.size() == maxSegments) {
            throw new IllegalStateException(open ? "batch full" : "no transfer begun");
        }
        parts.add(page.asSlice(pageOffset, bytes));
    }

    @Override
    public int end() {
        if (!open) {
            throw new IllegalStateException("no transfer begun");
        }
        open = false;
        failures[transfers] = null;
        firstSegment[transfers + 1] = parts.size();
        return transfers++;
    }

    @Override
    public void run() {
        for (int n = 0; n < transfers; n++) {
            int i = reversed ? transfers - 1 - n : n;
            List<MemorySegment> mine = parts.subList(firstSegment[i], firstSegment[i + 1]);
            try {
                if (write[i]) {
                    disk.writeGathered(offset[i], mine, false);
                } else {
                    disk.readScattered(offset[i], mine);
                }
            } catch (IOException e) {
                failures[i] = e;
            } catch (RuntimeException e) {
                failures[i] = new IOException(e);
            }
        }
    }

    @Override
    public IOException failure(int index) {
        return failures[index];
    }

    @Override
    public void clear() {
        transfers = 0;
        open = false;
        parts.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
