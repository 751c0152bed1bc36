package io.jxen.abi.console;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;

import static io.jxen.abi.console.XenconsInterfaceDescriptor.IN_CONS_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.IN_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.IN_PROD_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.IN_SIZE;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.OUT_CONS_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.OUT_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.OUT_PROD_OFFSET;
import static io.jxen.abi.console.XenconsInterfaceDescriptor.OUT_SIZE;

/**
 * View of the PV console page, {@code struct xencons_interface} (io/console.h); see
 * {@link XenconsInterfaceDescriptor}. Indices are free-running; a byte lives at
 * {@code index & (ringSize - 1)} ({@code MASK_XENCONS_IDX}). Producers write bytes, then the
 * producer index with release order; consumers read the producer index with acquire order.
 */
public final class XenconsInterfaceFlyweight extends Flyweight {

    /** Wraps the page at {@code offset} of {@code segment}. */
    public XenconsInterfaceFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, XenconsInterfaceDescriptor.SIZE, XenconsInterfaceDescriptor.ALIGNMENT);
        return this;
    }

    /** {@code in_cons}, acquire. */
    public int getInConsumerAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + IN_CONS_OFFSET);
    }

    /** Sets {@code in_cons} with release order. */
    public void setInConsumerRelease(int index) {
        OrderedAccess.setIntRelease(segment(), offset() + IN_CONS_OFFSET, index);
    }

    /** {@code in_prod}, acquire. */
    public int getInProducerAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + IN_PROD_OFFSET);
    }

    /** Sets {@code in_prod} with release order. */
    public void setInProducerRelease(int index) {
        OrderedAccess.setIntRelease(segment(), offset() + IN_PROD_OFFSET, index);
    }

    /** {@code out_cons}, acquire. */
    public int getOutConsumerAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + OUT_CONS_OFFSET);
    }

    /** Sets {@code out_cons} with release order. */
    public void setOutConsumerRelease(int index) {
        OrderedAccess.setIntRelease(segment(), offset() + OUT_CONS_OFFSET, index);
    }

    /** {@code out_prod}, acquire. */
    public int getOutProducerAcquire() {
        return OrderedAccess.getIntAcquire(segment(), offset() + OUT_PROD_OFFSET);
    }

    /** Sets {@code out_prod} with release order. */
    public void setOutProducerRelease(int index) {
        OrderedAccess.setIntRelease(segment(), offset() + OUT_PROD_OFFSET, index);
    }

    /** The {@code in} byte at free-running {@code index}. */
    public byte getInByte(int index) {
        return OrderedAccess.getBytePlain(segment(), offset() + IN_OFFSET + (index & (IN_SIZE - 1)));
    }

    /** Sets the {@code in} byte at free-running {@code index}. */
    public void setInByte(int index, byte value) {
        OrderedAccess.setBytePlain(segment(), offset() + IN_OFFSET + (index & (IN_SIZE - 1)), value);
    }

    /** The {@code out} byte at free-running {@code index}. */
    public byte getOutByte(int index) {
        return OrderedAccess.getBytePlain(segment(), offset() + OUT_OFFSET + (index & (OUT_SIZE - 1)));
    }

    /** Sets the {@code out} byte at free-running {@code index}. */
    public void setOutByte(int index, byte value) {
        OrderedAccess.setBytePlain(segment(), offset() + OUT_OFFSET + (index & (OUT_SIZE - 1)), value);
    }
}
