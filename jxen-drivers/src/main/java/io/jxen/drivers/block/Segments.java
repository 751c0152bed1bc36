package io.jxen.drivers.block;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Checks for the scattered and gathered transfers of {@link BlockDevice}. */
public final class Segments {

    private Segments() {
    }

    /**
     * The bytes of {@code parts} together.
     *
     * @param destinations they are to be written into: each must be writable
     * @throws IllegalArgumentException if a destination is read-only
     */
    public static long totalBytes(List<MemorySegment> parts, boolean destinations) {
        long total = 0;
        for (MemorySegment part : parts) {
            if (destinations && part.isReadOnly()) {
                throw new IllegalArgumentException("read-only destination segment");
            }
            total = Math.addExact(total, part.byteSize());
        }
        return total;
    }
}
