package io.jxen.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Loads and stores on shared memory, each named by its memory order (Agrona's habit): a
 * reader knows the fence without opening the method.
 *
 * <ul>
 *   <li>{@code Plain}: no ordering; for memory only this side writes, or bytes copied
 *       once under an index read with acquire.</li>
 *   <li>{@code Acquire}: later loads and stores stay after this load (a load then
 *       io/ring.h's {@code xen_rmb()}).</li>
 *   <li>{@code Release}: earlier loads and stores stay before this store
 *       ({@code xen_wmb()} then a store).</li>
 *   <li>{@code Volatile}: sequentially consistent.</li>
 *   <li>Atomic read-modify-writes ({@code compareAndSet}, {@code getAndAdd},
 *       bit test-and-set) are volatile, like x86 {@code lock}-prefixed instructions.</li>
 * </ul>
 *
 * <p>Atomic read-modify-writes exist for 32- and 64-bit words only (the JDK's memory-segment
 * var handles have none for bytes and shorts); update a 16-bit field atomically through the
 * naturally aligned 32-bit word around it.
 *
 * <p>All values are little-endian (Xen's x86 layout, and the host's). Every access is
 * alignment-checked: an int at an offset not divisible by 4 (a long: by 8) throws
 * {@link IllegalArgumentException} rather than risk a torn access, so shared layouts keep
 * their atomic fields naturally aligned. Offsets are bounds-checked against the segment.
 */
public final class OrderedAccess {

    /** Little-endian, naturally aligned layouts: the Xen x86 ABI. */
    public static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** Little-endian 16-bit, 2-byte aligned. */
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian 32-bit, 4-byte aligned. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian 64-bit, 8-byte aligned. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    // x86_32 lays out uint64_t members on 4-byte boundaries; checked by checkAlign4.
    private static final ValueLayout.OfLong LONG_ALIGN4 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Coordinates (MemorySegment, long offset); always invoked with exactly those types.
    private static final VarHandle BYTE_HANDLE = BYTE.varHandle();
    private static final VarHandle SHORT_HANDLE = SHORT.varHandle();
    private static final VarHandle INT_HANDLE = INT.varHandle();
    private static final VarHandle LONG_HANDLE = LONG.varHandle();

    private OrderedAccess() {
    }

    // ---- fences: io/ring.h's barriers --------------------------------------------------

    /**
     * {@code xen_rmb()}: loads before the fence happen before loads after it. io/ring.h has a
     * consumer read the producer index, then {@code xen_rmb()}, then the entries, so it never
     * sees an entry older than the index promised. On x86 this is a compiler barrier only.
     */
    public static void readBarrier() {
        VarHandle.acquireFence();
    }

    /**
     * {@code xen_wmb()}: stores before the fence become visible before stores after it.
     * io/ring.h's {@code RING_PUSH_REQUESTS} comments "back sees requests /before/ updated
     * producer index". On x86 this is a compiler barrier only.
     */
    public static void writeBarrier() {
        VarHandle.releaseFence();
    }

    /**
     * {@code xen_mb()}: a full fence, including store→load. io/ring.h needs it between
     * publishing a producer index and reading the peer's event index
     * ({@code RING_PUSH_*_AND_CHECK_NOTIFY}: "back sees new requests /before/ we check
     * req_event"), and between setting our event index and re-checking the producer
     * ({@code RING_FINAL_CHECK_FOR_*}); without it each side can miss the other's store and
     * both sleep. On x86 this is a locked instruction ({@code lock addl $0,(%rsp)}).
     */
    public static void fullFence() {
        VarHandle.fullFence();
    }

    // ---- byte ---------------------------------------------------------------------------

    /** A plain byte load. */
    public static byte getBytePlain(MemorySegment segment, long offset) {
        return (byte) BYTE_HANDLE.get(segment, offset);
    }

    /** A plain byte store. */
    public static void setBytePlain(MemorySegment segment, long offset, byte value) {
        BYTE_HANDLE.set(segment, offset, value);
    }

    /** A byte load with acquire. */
    public static byte getByteAcquire(MemorySegment segment, long offset) {
        return (byte) BYTE_HANDLE.getAcquire(segment, offset);
    }

    /** A byte store with release. */
    public static void setByteRelease(MemorySegment segment, long offset, byte value) {
        BYTE_HANDLE.setRelease(segment, offset, value);
    }

    /** A volatile byte load. */
    public static byte getByteVolatile(MemorySegment segment, long offset) {
        return (byte) BYTE_HANDLE.getVolatile(segment, offset);
    }

    /** A volatile byte store. */
    public static void setByteVolatile(MemorySegment segment, long offset, byte value) {
        BYTE_HANDLE.setVolatile(segment, offset, value);
    }

    // ---- short --------------------------------------------------------------------------

    /** A plain 16-bit load. */
    public static short getShortPlain(MemorySegment segment, long offset) {
        return (short) SHORT_HANDLE.get(segment, offset);
    }

    /** A plain 16-bit store. */
    public static void setShortPlain(MemorySegment segment, long offset, short value) {
        SHORT_HANDLE.set(segment, offset, value);
    }

    /** A 16-bit load with acquire. */
    public static short getShortAcquire(MemorySegment segment, long offset) {
        return (short) SHORT_HANDLE.getAcquire(segment, offset);
    }

    /** A 16-bit store with release. */
    public static void setShortRelease(MemorySegment segment, long offset, short value) {
        SHORT_HANDLE.setRelease(segment, offset, value);
    }

    /** A volatile 16-bit load. */
    public static short getShortVolatile(MemorySegment segment, long offset) {
        return (short) SHORT_HANDLE.getVolatile(segment, offset);
    }

    /** A volatile 16-bit store. */
    public static void setShortVolatile(MemorySegment segment, long offset, short value) {
        SHORT_HANDLE.setVolatile(segment, offset, value);
    }

    // ---- int ----------------------------------------------------------------------------

    /** A plain 32-bit load. */
    public static int getIntPlain(MemorySegment segment, long offset) {
        return (int) INT_HANDLE.get(segment, offset);
    }

    /** A plain 32-bit store. */
    public static void setIntPlain(MemorySegment segment, long offset, int value) {
        INT_HANDLE.set(segment, offset, value);
    }

    /** A 32-bit load with acquire: the load, then {@code xen_rmb()}. */
    public static int getIntAcquire(MemorySegment segment, long offset) {
        return (int) INT_HANDLE.getAcquire(segment, offset);
    }

    /** A 32-bit store with release: {@code xen_wmb()}, then the store. */
    public static void setIntRelease(MemorySegment segment, long offset, int value) {
        INT_HANDLE.setRelease(segment, offset, value);
    }

    /** A volatile 32-bit load. */
    public static int getIntVolatile(MemorySegment segment, long offset) {
        return (int) INT_HANDLE.getVolatile(segment, offset);
    }

    /** A volatile 32-bit store. */
    public static void setIntVolatile(MemorySegment segment, long offset, int value) {
        INT_HANDLE.setVolatile(segment, offset, value);
    }

    /** Atomically replaces {@code expected} with {@code value}; true if it did. */
    public static boolean compareAndSetInt(MemorySegment segment, long offset, int expected, int value) {
        return INT_HANDLE.compareAndSet(segment, offset, expected, value);
    }

    /** Atomically adds {@code delta}; returns the value before. */
    public static int getAndAddInt(MemorySegment segment, long offset, int delta) {
        return (int) INT_HANDLE.getAndAdd(segment, offset, delta);
    }

    /** Atomically stores {@code value}; returns the value before. */
    public static int getAndSetInt(MemorySegment segment, long offset, int value) {
        return (int) INT_HANDLE.getAndSet(segment, offset, value);
    }

    /** Atomically ORs {@code bits} in ({@code lock or}); returns the value before. */
    public static int getAndBitwiseOrInt(MemorySegment segment, long offset, int bits) {
        return (int) INT_HANDLE.getAndBitwiseOr(segment, offset, bits);
    }

    /** Atomically ANDs with {@code bits} ({@code lock and}); returns the value before. */
    public static int getAndBitwiseAndInt(MemorySegment segment, long offset, int bits) {
        return (int) INT_HANDLE.getAndBitwiseAnd(segment, offset, bits);
    }

    // ---- long ---------------------------------------------------------------------------

    /** A plain 64-bit load. */
    public static long getLongPlain(MemorySegment segment, long offset) {
        return (long) LONG_HANDLE.get(segment, offset);
    }

    /** A plain 64-bit store. */
    public static void setLongPlain(MemorySegment segment, long offset, long value) {
        LONG_HANDLE.set(segment, offset, value);
    }

    /** A 64-bit load with acquire. */
    public static long getLongAcquire(MemorySegment segment, long offset) {
        return (long) LONG_HANDLE.getAcquire(segment, offset);
    }

    /** A 64-bit store with release. */
    public static void setLongRelease(MemorySegment segment, long offset, long value) {
        LONG_HANDLE.setRelease(segment, offset, value);
    }

    /** A volatile 64-bit load. */
    public static long getLongVolatile(MemorySegment segment, long offset) {
        return (long) LONG_HANDLE.getVolatile(segment, offset);
    }

    /** A volatile 64-bit store. */
    public static void setLongVolatile(MemorySegment segment, long offset, long value) {
        LONG_HANDLE.setVolatile(segment, offset, value);
    }

    /** Atomically replaces {@code expected} with {@code value}; true if it did. */
    public static boolean compareAndSetLong(MemorySegment segment, long offset, long expected, long value) {
        return LONG_HANDLE.compareAndSet(segment, offset, expected, value);
    }

    /** Atomically adds {@code delta}; returns the value before. */
    public static long getAndAddLong(MemorySegment segment, long offset, long delta) {
        return (long) LONG_HANDLE.getAndAdd(segment, offset, delta);
    }

    /** Atomically stores {@code value}; returns the value before. */
    public static long getAndSetLong(MemorySegment segment, long offset, long value) {
        return (long) LONG_HANDLE.getAndSet(segment, offset, value);
    }

    /** Atomically ORs {@code bits} in ({@code lock or}); returns the value before. */
    public static long getAndBitwiseOrLong(MemorySegment segment, long offset, long bits) {
        return (long) LONG_HANDLE.getAndBitwiseOr(segment, offset, bits);
    }

    /** Atomically ANDs with {@code bits} ({@code lock and}); returns the value before. */
    public static long getAndBitwiseAndLong(MemorySegment segment, long offset, long bits) {
        return (long) LONG_HANDLE.getAndBitwiseAnd(segment, offset, bits);
    }

    /**
     * A plain load of a 64-bit field that may be only 4-byte aligned, as the x86_32 ABI lays
     * out {@code uint64_t} members (io/blkif.h's {@code id} and {@code sector_number}). No
     * atomic or ordered access exists for such a field.
     *
     * @throws IllegalArgumentException if the field is not even 4-byte aligned
     */
    public static long getLongAlign4(MemorySegment segment, long offset) {
        checkAlign4(segment, offset);
        return segment.get(LONG_ALIGN4, offset);
    }

    /** A plain store of a 64-bit field that may be only 4-byte aligned; see {@link #getLongAlign4}. */
    public static void setLongAlign4(MemorySegment segment, long offset, long value) {
        checkAlign4(segment, offset);
        segment.set(LONG_ALIGN4, offset, value);
    }

    private static void checkAlign4(MemorySegment segment, long offset) {
        if (((segment.address() + offset) & (Integer.BYTES - 1)) != 0) {
            throw new IllegalArgumentException("64-bit field at offset " + offset + " is not 4-byte aligned");
        }
    }

    // ---- bitmaps (event-channel pending and mask words) ---------------------------------

    /**
     * Atomically sets bit {@code bit} (0..63) of the 64-bit word at {@code offset}, like
     * Xen's {@code test_and_set_bit} ({@code lock bts}) on an {@code xen_ulong_t}.
     *
     * @return whether the bit was already set
     */
    public static boolean testAndSetBit(MemorySegment segment, long offset, int bit) {
        long mask = bitMask(bit);
        return ((long) LONG_HANDLE.getAndBitwiseOr(segment, offset, mask) & mask) != 0;
    }

    /**
     * Atomically clears bit {@code bit} (0..63) of the 64-bit word at {@code offset}
     * ({@code test_and_clear_bit}, {@code lock btr}).
     *
     * @return whether the bit was set before
     */
    public static boolean testAndClearBit(MemorySegment segment, long offset, int bit) {
        long mask = bitMask(bit);
        return ((long) LONG_HANDLE.getAndBitwiseAnd(segment, offset, ~mask) & mask) != 0;
    }

    /** Reads bit {@code bit} (0..63) of the 64-bit word at {@code offset} with acquire. */
    public static boolean testBitAcquire(MemorySegment segment, long offset, int bit) {
        return (getLongAcquire(segment, offset) & bitMask(bit)) != 0;
    }

    /**
     * Atomically clears the whole 64-bit word and returns what it held ({@code xchg}), as
     * an upcall handler takes {@code evtchn_pending_sel}.
     */
    public static long getAndClearLong(MemorySegment segment, long offset) {
        return getAndSetLong(segment, offset, 0L);
    }

    private static long bitMask(int bit) {
        if (bit < 0 || bit > 63) {
            throw new IndexOutOfBoundsException("bit " + bit + " outside a 64-bit word");
        }
        return 1L << bit;
    }
}
