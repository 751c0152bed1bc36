package io.jxen.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes memory byte by byte, little-endian, independently of {@link OrderedAccess}, so
 * flyweight tests check the bytes a C peer would see rather than the accessor's own view.
 */
public final class RawBytes {

    private RawBytes() {
    }

    /** The {@code width}-byte little-endian unsigned value at {@code offset}. */
    public static long read(MemorySegment segment, long offset, int width) {
        long value = 0;
        for (int i = width - 1; i >= 0; i--) {
            value = value << 8 | Byte.toUnsignedLong(segment.get(ValueLayout.JAVA_BYTE, offset + i));
        }
        return value;
    }

    /** Writes the low {@code width} bytes of {@code value} little-endian at {@code offset}. */
    public static void write(MemorySegment segment, long offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            segment.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (value >>> (8 * i)));
        }
    }
}
