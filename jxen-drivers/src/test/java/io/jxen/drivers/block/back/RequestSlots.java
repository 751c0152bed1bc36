package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestDiscardFlyweight;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifRequestIndirectFlyweight;

import java.lang.foreign.MemorySegment;

/** Builds request slots the way a frontend would, through the abi flyweights. */
final class RequestSlots {

    private RequestSlots() {
    }

    static MemorySegment slot() {
        return MemorySegment.ofArray(new long[14]);
    }

    static MemorySegment transfer(XenAbi abi, int operation, long id, long sector, int[][] segments) {
        MemorySegment slot = slot();
        BlkifRequestFlyweight request = new BlkifRequestFlyweight(abi).wrap(slot, 0);
        request.setOperation(operation);
        request.setNrSegments(segments.length);
        request.setHandle(0xca00);
        request.setId(id);
        request.setSectorNumber(sector);
        for (int i = 0; i < Math.min(segments.length, 11); i++) {
            request.setSegment(i, 100 + i, segments[i][0], segments[i][1]);
        }
        return slot;
    }

    static int[][] fullPages(int count) {
        int[][] segments = new int[count][];
        for (int i = 0; i < count; i++) {
            segments[i] = new int[] {0, 7};
        }
        return segments;
    }

    static MemorySegment withSegmentCount(MemorySegment slot, XenAbi abi, int count) {
        new BlkifRequestFlyweight(abi).wrap(slot, 0).setNrSegments(count);
        return slot;
    }

    static MemorySegment discard(XenAbi abi, long id, long sector, long count, int flag) {
        MemorySegment slot = slot();
        BlkifRequestDiscardFlyweight request = new BlkifRequestDiscardFlyweight(abi).wrap(slot, 0);
        new BlkifRequestFlyweight(abi).wrap(slot, 0).setOperation(BlkifOp.DISCARD);
        new BlkifRequestFlyweight(abi).wrap(slot, 0).setId(id);
        request.setFlag(flag);
        request.setSectorNumber(sector);
        request.setNrSectors(count);
        return slot;
    }

    static MemorySegment indirect(XenAbi abi, int inner, long id, long sector, int count) {
        MemorySegment slot = slot();
        new BlkifRequestFlyweight(abi).wrap(slot, 0).setOperation(BlkifOp.INDIRECT);
        BlkifRequestIndirectFlyweight request = new BlkifRequestIndirectFlyweight(abi).wrap(slot, 0);
        request.setIndirectOp(inner);
        request.setNrSegments(count);
        request.setId(id);
        request.setSectorNumber(sector);
        request.setHandle(0xca00);
        for (int i = 0; i < 8; i++) {
            request.setIndirectGref(i, 500 + i);
        }
        return slot;
    }

    /** Indirect pages holding {@code segments} (each {first, last}), 8 bytes an entry. */
    static MemorySegment indirectPages(int[][] segments) {
        int pages = Math.max(1, (segments.length + 511) / 512);
        MemorySegment memory = MemorySegment.ofArray(new long[pages * 512]);
        for (int i = 0; i < segments.length; i++) {
            memory.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                    i * 8L, 1000 + i);
            memory.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i * 8L + 4, (byte) segments[i][0]);
            memory.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i * 8L + 5, (byte) segments[i][1]);
        }
        return memory;
    }
}
