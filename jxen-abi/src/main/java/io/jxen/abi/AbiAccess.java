package io.jxen.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian, naturally aligned accessors over a {@link MemorySegment}: the one place the
 * flyweights of this module touch memory. Every Xen ABI this module describes is x86, hence
 * little-endian, and the C compiler aligns every field to its size, so a misaligned access
 * means a wrong offset and fails ({@link IllegalArgumentException}) instead of tearing.
 *
 * <p>Method names carry the memory order (design.md section 4): plain, {@code Acquire} /
 * {@code Release} (io/ring.h's {@code xen_rmb} / {@code xen_wmb} pairs), {@code Volatile}, and
 * the atomic read-modify-writes that are available for 32- and 64-bit fields only (the
 * memory-segment var handles offer no 8- or 16-bit compare-and-set).
 */
public final class AbiAccess {

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64_ALIGN4 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final VarHandle BYTE = U8.varHandle();
    private static final VarHandle SHORT = U16.varHandle();
    private static final VarHandle INT = U32.varHandle();
    private static final VarHandle LONG = U64.varHandle();

    private AbiAccess() {
    }

    /** Plain read of a byte. */
    public static byte getByte(MemorySegment segment, long offset) {
        return segment.get(U8, offset);
    }

    /** Plain write of a byte. */
    public static void setByte(MemorySegment segment, long offset, byte value) {
        segment.set(U8, offset, value);
    }

    /** Volatile read of a byte, e.g. {@code evtchn_upcall_pending}. */
    public static byte getByteVolatile(MemorySegment segment, long offset) {
        return (byte) BYTE.getVolatile(segment, offset);
    }

    /** Volatile write of a byte. */
    public static void setByteVolatile(MemorySegment segment, long offset, byte value) {
        BYTE.setVolatile(segment, offset, value);
    }

    /** Plain read of a little-endian 16-bit field. */
    public static short getShort(MemorySegment segment, long offset) {
        return segment.get(U16, offset);
    }

    /** Plain write of a little-endian 16-bit field. */
    public static void setShort(MemorySegment segment, long offset, short value) {
        segment.set(U16, offset, value);
    }

    /** Acquire read of a 16-bit field. */
    public static short getShortAcquire(MemorySegment segment, long offset) {
        return (short) SHORT.getAcquire(segment, offset);
    }

    /** Release write of a 16-bit field. */
    public static void setShortRelease(MemorySegment segment, long offset, short value) {
        SHORT.setRelease(segment, offset, value);
    }

    /** Plain read of a little-endian 32-bit field. */
    public static int getInt(MemorySegment segment, long offset) {
        return segment.get(U32, offset);
    }

    /** Plain write of a little-endian 32-bit field. */
    public static void setInt(MemorySegment segment, long offset, int value) {
        segment.set(U32, offset, value);
    }

    /** Acquire read of a 32-bit field: later reads are not reordered before it. */
    public static int getIntAcquire(MemorySegment segment, long offset) {
        return (int) INT.getAcquire(segment, offset);
    }

    /** Release write of a 32-bit field: earlier writes are not reordered after it. */
    public static void setIntRelease(MemorySegment segment, long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    /** Volatile read of a 32-bit field. */
    public static int getIntVolatile(MemorySegment segment, long offset) {
        return (int) INT.getVolatile(segment, offset);
    }

    /** Volatile write of a 32-bit field. */
    public static void setIntVolatile(MemorySegment segment, long offset, int value) {
        INT.setVolatile(segment, offset, value);
    }

    /** Atomic compare-and-set of a 32-bit field. */
    public static boolean compareAndSetInt(MemorySegment segment, long offset, int expected, int value) {
        return INT.compareAndSet(segment, offset, expected, value);
    }

    /** Atomic OR into a 32-bit field; returns the previous value. */
    public static int getAndBitwiseOrInt(MemorySegment segment, long offset, int bits) {
        return (int) INT.getAndBitwiseOr(segment, offset, bits);
    }

    /** Atomic AND into a 32-bit field; returns the previous value. */
    public static int getAndBitwiseAndInt(MemorySegment segment, long offset, int bits) {
        return (int) INT.getAndBitwiseAnd(segment, offset, bits);
    }

    /** Plain read of a little-endian 64-bit field. */
    public static long getLong(MemorySegment segment, long offset) {
        return segment.get(U64, offset);
    }

    /** Plain write of a little-endian 64-bit field. */
    public static void setLong(MemorySegment segment, long offset, long value) {
        segment.set(U64, offset, value);
    }

    /**
     * Plain read of a 64-bit field that may be only 4-byte aligned, as the x86_32 ABI lays out
     * {@code uint64_t} members (io/blkif.h's {@code id} and {@code sector_number}). No atomic
     * or ordered access exists for such a field.
     *
     * @throws IllegalArgumentException if the field is not even 4-byte aligned
     */
    public static long getLongAlign4(MemorySegment segment, long offset) {
        checkAlign4(segment, offset);
        return segment.get(U64_ALIGN4, offset);
    }

    /** Plain write of a 64-bit field that may be only 4-byte aligned; see {@link #getLongAlign4}. */
    public static void setLongAlign4(MemorySegment segment, long offset, long value) {
        checkAlign4(segment, offset);
        segment.set(U64_ALIGN4, offset, value);
    }

    /** Acquire read of a 64-bit field. */
    public static long getLongAcquire(MemorySegment segment, long offset) {
        return (long) LONG.getAcquire(segment, offset);
    }

    /** Release write of a 64-bit field. */
    public static void setLongRelease(MemorySegment segment, long offset, long value) {
        LONG.setRelease(segment, offset, value);
    }

    /** Volatile read of a 64-bit field. */
    public static long getLongVolatile(MemorySegment segment, long offset) {
        return (long) LONG.getVolatile(segment, offset);
    }

    /** Atomic compare-and-set of a 64-bit field. */
    public static boolean compareAndSetLong(MemorySegment segment, long offset, long expected, long value) {
        return LONG.compareAndSet(segment, offset, expected, value);
    }

    /** Atomic OR into a 64-bit field; returns the previous value. */
    public static long getAndBitwiseOrLong(MemorySegment segment, long offset, long bits) {
        return (long) LONG.getAndBitwiseOr(segment, offset, bits);
    }

    /** Atomic AND into a 64-bit field; returns the previous value. */
    public static long getAndBitwiseAndLong(MemorySegment segment, long offset, long bits) {
        return (long) LONG.getAndBitwiseAnd(segment, offset, bits);
    }

    /** Atomic exchange of a 64-bit field; returns the previous value. */
    public static long getAndSetLong(MemorySegment segment, long offset, long value) {
        return (long) LONG.getAndSet(segment, offset, value);
    }

    private static void checkAlign4(MemorySegment segment, long offset) {
        if (((segment.address() + offset) & (Integer.BYTES - 1)) != 0) {
            throw new IllegalArgumentException("64-bit field at offset " + offset + " is not 4-byte aligned");
        }
    }

    /** A full two-way fence: io/ring.h's {@code xen_mb()}. */
    public static void fullFence() {
        VarHandle.fullFence();
    }
}
