package io.jxen.hv.mm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian field access on a private copy of a guest structure (the result of
 * {@link GuestAccess#copyIn}). Only the copy is ever validated or used (XSA-155's rule).
 */
public final class Fields {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fields() {
    }

    /** An unsigned 16-bit field (e.g. {@code domid_t}). */
    public static int u16(MemorySegment s, long offset) {
        return Short.toUnsignedInt(s.get(U16, offset));
    }

    /** A signed 16-bit field (e.g. a {@code GNTST_*} status). */
    public static short s16(MemorySegment s, long offset) {
        return s.get(U16, offset);
    }

    /** A 32-bit field as a Java int (signed view). */
    public static int i32(MemorySegment s, long offset) {
        return s.get(U32, offset);
    }

    /** An unsigned 32-bit field widened to long. */
    public static long u32(MemorySegment s, long offset) {
        return Integer.toUnsignedLong(s.get(U32, offset));
    }

    /** A 64-bit field. */
    public static long u64(MemorySegment s, long offset) {
        return s.get(U64, offset);
    }

    /** Stores a 16-bit field. */
    public static void put16(MemorySegment s, long offset, int value) {
        s.set(U16, offset, (short) value);
    }

    /** Stores a 32-bit field. */
    public static void put32(MemorySegment s, long offset, int value) {
        s.set(U32, offset, value);
    }

    /** Stores a 64-bit field. */
    public static void put64(MemorySegment s, long offset, long value) {
        s.set(U64, offset, value);
    }
}
