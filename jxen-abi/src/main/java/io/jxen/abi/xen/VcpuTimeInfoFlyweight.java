package io.jxen.abi.xen;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;

import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.FLAGS_OFFSET;
import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET;
import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET;
import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET;
import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET;
import static io.jxen.abi.xen.VcpuTimeInfoDescriptor.VERSION_OFFSET;

/**
 * View of a {@code struct vcpu_time_info} (xen.h); see {@link VcpuTimeInfoDescriptor}.
 *
 * <p>The writer (Xen's role) brackets an update with {@link #setVersionRelease} to an odd and
 * then the next even value; a reader takes {@link #getVersionAcquire} before and after reading
 * the tuple and retries when the two differ or are odd (xen.h, "similar to Linux's seqlock").
 */
public final class VcpuTimeInfoFlyweight extends Flyweight {

    /** Wraps the structure at {@code offset} of {@code segment}. */
    public VcpuTimeInfoFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, VcpuTimeInfoDescriptor.SIZE, VcpuTimeInfoDescriptor.ALIGNMENT);
        return this;
    }

    /** {@code version}, with acquire order: read it before (and after) the tuple. */
    public int getVersionAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + VERSION_OFFSET);
    }

    /** Sets {@code version} with release order: the tuple writes before it become visible first. */
    public void setVersionRelease(int version) {
        OrderedAccess.setIntRelease(segment(), offset() + VERSION_OFFSET, version);
    }

    /** {@code tsc_timestamp}: the TSC at the last update. */
    public long getTscTimestamp() {
        return OrderedAccess.getLongPlain(segment(), offset() + TSC_TIMESTAMP_OFFSET);
    }

    /** Sets {@code tsc_timestamp}. */
    public void setTscTimestamp(long tsc) {
        OrderedAccess.setLongPlain(segment(), offset() + TSC_TIMESTAMP_OFFSET, tsc);
    }

    /** {@code system_time}: nanoseconds since boot at {@code tsc_timestamp}. */
    public long getSystemTimeNs() {
        return OrderedAccess.getLongPlain(segment(), offset() + SYSTEM_TIME_OFFSET);
    }

    /** Sets {@code system_time}. */
    public void setSystemTimeNs(long systemTimeNs) {
        OrderedAccess.setLongPlain(segment(), offset() + SYSTEM_TIME_OFFSET, systemTimeNs);
    }

    /** {@code tsc_to_system_mul}, an unsigned 32.32 fixed-point multiplier. */
    public int getTscToSystemMul() {
        return OrderedAccess.getIntPlain(segment(), offset() + TSC_TO_SYSTEM_MUL_OFFSET);
    }

    /** Sets {@code tsc_to_system_mul}. */
    public void setTscToSystemMul(int mul) {
        OrderedAccess.setIntPlain(segment(), offset() + TSC_TO_SYSTEM_MUL_OFFSET, mul);
    }

    /** {@code tsc_shift}, signed. */
    public byte getTscShift() {
        return OrderedAccess.getBytePlain(segment(), offset() + TSC_SHIFT_OFFSET);
    }

    /** Sets {@code tsc_shift}. */
    public void setTscShift(byte shift) {
        OrderedAccess.setBytePlain(segment(), offset() + TSC_SHIFT_OFFSET, shift);
    }

    /** {@code flags}: {@link PvClockFlags} bits. */
    public int getFlags() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + FLAGS_OFFSET));
    }

    /** Sets {@code flags}. */
    public void setFlags(int flags) {
        OrderedAccess.setBytePlain(segment(), offset() + FLAGS_OFFSET, (byte) flags);
    }
}
