package io.jxen.abi.blkif;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;
import io.jxen.abi.XenAbi;

import java.lang.foreign.MemorySegment;

/**
 * View of a {@code struct blkif_response} (io/blkif.h) in the layout of one {@link XenAbi}; see
 * {@link BlkifResponseDescriptor}. A backend fills a response in the ring slot and only then
 * publishes {@code rsp_prod} with release order, so the accesses here are plain.
 *
 * <p>64-bit fields are accessed with the 4-byte alignment x86_32 gives {@code uint64_t}
 * ({@link OrderedAccess#getLongAlign4}), plain only.
 */
public final class BlkifResponseFlyweight extends Flyweight {

    private record Layout(int size, int alignment, int id, int operation, int status) {
    }

    private static final Layout X86_64 = new Layout(BlkifResponseDescriptor.X86_64.SIZE,
            BlkifResponseDescriptor.X86_64.ALIGNMENT, BlkifResponseDescriptor.X86_64.ID_OFFSET,
            BlkifResponseDescriptor.X86_64.OPERATION_OFFSET, BlkifResponseDescriptor.X86_64.STATUS_OFFSET);
    private static final Layout X86_32 = new Layout(BlkifResponseDescriptor.X86_32.SIZE,
            BlkifResponseDescriptor.X86_32.ALIGNMENT, BlkifResponseDescriptor.X86_32.ID_OFFSET,
            BlkifResponseDescriptor.X86_32.OPERATION_OFFSET, BlkifResponseDescriptor.X86_32.STATUS_OFFSET);

    private final Layout layout;

    /** A view of responses laid out for {@code abi}. */
    public BlkifResponseFlyweight(XenAbi abi) {
        this.layout = switch (abi) {
            case X86_64 -> X86_64;
            case X86_32 -> X86_32;
        };
    }

    /** Bytes of one response in this view's ABI. */
    public int size() {
        return layout.size();
    }

    /** Wraps the response at {@code offset} of {@code segment}. */
    public BlkifResponseFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, layout.size(), layout.alignment());
        return this;
    }

    /** {@code id}, copied from the request. */
    public long getId() {
        return OrderedAccess.getLongAlign4(segment(), offset() + layout.id());
    }

    /** Sets {@code id}. */
    public void setId(long id) {
        OrderedAccess.setLongAlign4(segment(), offset() + layout.id(), id);
    }

    /** {@code operation}, copied from the request. */
    public int getOperation() {
        return Byte.toUnsignedInt(OrderedAccess.getBytePlain(segment(), offset() + layout.operation()));
    }

    /** Sets {@code operation}. */
    public void setOperation(int operation) {
        OrderedAccess.setBytePlain(segment(), offset() + layout.operation(), (byte) operation);
    }

    /** {@code status}: a {@link BlkifRsp} value. */
    public short getStatus() {
        return OrderedAccess.getShortPlain(segment(), offset() + layout.status());
    }

    /** Sets {@code status}. */
    public void setStatus(short status) {
        OrderedAccess.setShortPlain(segment(), offset() + layout.status(), status);
    }
}
