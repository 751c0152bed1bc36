package io.jxen.abi.xen;

import io.jxen.abi.AbiAccess;
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
        return AbiAccess.getIntAcquire(segment(), offset() + VERSION_OFFSET);
    }

    /** Sets {@code version} with release order: the tuple writes before it become visible first. */
    public void setVersionRelease(int version) {
        AbiAccess.setIntRelease(segment(), offset() + VERSION_OFFSET, version);
    }

    /** {@code tsc_timestamp}: the TSC at the last update. */
    public long getTscTimestamp() {
        return AbiAccess.getLong(segment(), offset() + TSC_TIMESTAMP_OFFSET);
    }

    /** Sets {@code tsc_timestamp}. */
    public void setTscTimestamp(long tsc) {
        AbiAccess.setLong(segment(), offset() + TSC_TIMESTAMP_OFFSET, tsc);
    }

    /** {@code system_time}: nanoseconds since boot at {@code tsc_timestamp}. */
    public long getSystemTimeNs() {
        return AbiAccess.getLong(segment(), offset() + SYSTEM_TIME_OFFSET);
    }

    /** Sets {@code system_time}. */
    public void setSystemTimeNs(long systemTimeNs) {
        AbiAccess.setLong(segment(), offset() + SYSTEM_TIME_OFFSET, systemTimeNs);
    }

    /** {@code tsc_to_system_mul}, an unsigned 32.32 fixed-point multiplier. */
    public int getTscToSystemMul() {
        return AbiAccess.getInt(segment(), offset() + TSC_TO_SYSTEM_MUL_OFFSET);
    }

    /** Sets {@code tsc_to_system_mul}. */
    public void setTscToSystemMul(int mul) {
        AbiAccess.setInt(segment(), offset() + TSC_TO_SYSTEM_MUL_OFFSET, mul);
    }

    /** {@code tsc_shift}, signed. */
    public byte getTscShift() {
        return AbiAccess.getByte(segment(), offset() + TSC_SHIFT_OFFSET);
    }

    /** Sets {@code tsc_shift}. */
    public void setTscShift(byte shift) {
        AbiAccess.setByte(segment(), offset() + TSC_SHIFT_OFFSET, shift);
    }

    /** {@code flags}: {@link PvClockFlags} bits. */
    public int getFlags() {
        return Byte.toUnsignedInt(AbiAccess.getByte(segment(), offset() + FLAGS_OFFSET));
    }

    /** Sets {@code flags}. */
    public void setFlags(int flags) {
        AbiAccess.setByte(segment(), offset() + FLAGS_OFFSET, (byte) flags);
    }
}
