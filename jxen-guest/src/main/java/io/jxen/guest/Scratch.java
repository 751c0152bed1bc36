package io.jxen.guest;

import io.jxen.hypercall.Hypercalls;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A vCPU's hypercall argument page, held while one call's structure is written, the call is
 * made and its OUT fields are read (the role of a kernel's on-stack argument structs). Obtain
 * one with {@link GuestVcpu#scratch()} and close it; the page is zeroed up to the bytes used.
 *
 * <pre>{@code
 * try (Scratch s = vcpu.scratch()) {
 *     s.putInt(EvtchnBindIpiDescriptor.VCPU_OFFSET, 0);
 *     long rc = s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_IPI);
 *     int port = s.getInt(EvtchnBindIpiDescriptor.PORT_OFFSET);
 * }
 * }</pre>
 */
public final class Scratch implements AutoCloseable {

    /** Bytes of the page usable for arguments. */
    public static final int SIZE = 4096;

    private final ReentrantLock lock;
    private final MemorySegment page;
    private final long gpa;
    private final Hypercalls hypercalls;

    Scratch(ReentrantLock lock, MemorySegment page, long gpa, Hypercalls hypercalls) {
        this.lock = lock;
        this.page = page;
        this.gpa = gpa;
        this.hypercalls = hypercalls;
        lock.lock();
        page.asSlice(0, 256).fill((byte) 0);
    }

    /** Guest-physical address of byte {@code offset} of the page (a hypercall pointer argument). */
    public long gpa(long offset) {
        return gpa + offset;
    }

    /** The page itself, for bulk writes. */
    public MemorySegment page() {
        return page;
    }

    /** Zeroes {@code length} bytes from {@code offset}. */
    public Scratch zero(long offset, long length) {
        page.asSlice(offset, length).fill((byte) 0);
        return this;
    }

    /** Writes a 16-bit field. */
    public Scratch putShort(long offset, int value) {
        page.set(io.jxen.abi.OrderedAccess.SHORT, offset, (short) value);
        return this;
    }

    /** Writes a 32-bit field. */
    public Scratch putInt(long offset, int value) {
        page.set(io.jxen.abi.OrderedAccess.INT, offset, value);
        return this;
    }

    /** Writes a 64-bit field. */
    public Scratch putLong(long offset, long value) {
        page.set(io.jxen.abi.OrderedAccess.LONG, offset, value);
        return this;
    }

    /** Reads a 16-bit field (sign-extended, as a C {@code int16_t} status). */
    public short getShort(long offset) {
        return page.get(io.jxen.abi.OrderedAccess.SHORT, offset);
    }

    /** Reads a 32-bit field. */
    public int getInt(long offset) {
        return page.get(io.jxen.abi.OrderedAccess.INT, offset);
    }

    /** Reads a 64-bit field. */
    public long getLong(long offset) {
        return page.get(io.jxen.abi.OrderedAccess.LONG, offset);
    }

    /** {@code hypercall(number, cmd, &page[0])}: the usual {@code (cmd, struct *arg)} shape. */
    public long call(int number, long cmd) {
        return hypercalls.hypercall(number, cmd, gpa);
    }

    /** {@code hypercall(number, cmd, vcpuOrCount, &page[0])}: VCPUOP and GNTTABOP shapes. */
    public long call3(int number, long cmd, long third) {
        return number == io.jxen.abi.Hypercall.GRANT_TABLE_OP
                ? hypercalls.hypercall(number, cmd, gpa, third)
                : hypercalls.hypercall(number, cmd, third, gpa);
    }

    @Override
    public void close() {
        lock.unlock();
    }
}
