package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifResponseFlyweight;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Writes {@code struct blkif_response} (io/blkif.h) into a ring slot: every byte of the
 * response is written, padding zeroed first, so nothing of the backend or of the request that
 * shared the slot leaks to the frontend (XSA-216). It echoes {@code id} and the operation
 * (the inner op for {@code BLKIF_OP_INDIRECT}, as Linux blkfront checks).
 */
public final class BlkifResponseEncoder {

    private final BlkifResponseFlyweight response;

    /** An encoder for the layout of {@code abi}. */
    public BlkifResponseEncoder(XenAbi abi) {
        this.response = new BlkifResponseFlyweight(Objects.requireNonNull(abi, "abi"));
    }

    /** Bytes written per response (16 on x86_64, 12 on x86_32). */
    public int responseBytes() {
        return response.size();
    }

    /** Writes a response at {@code offset} of {@code slot}. */
    public void encode(MemorySegment slot, long offset, long id, int operation, int status) {
        slot.asSlice(offset, response.size()).fill((byte) 0);
        response.wrap(slot, offset);
        response.setId(id);
        response.setOperation(operation);
        response.setStatus((short) status);
    }

    /** Writes the response to {@code decoded} with {@code status}. */
    public void encode(MemorySegment slot, long offset, BlkifDecoded decoded, int status) {
        encode(slot, offset, decoded.id(), decoded.responseOperation(), status);
    }

    /** Writes the refusal of a rejected request. */
    public void encode(MemorySegment slot, long offset, BlkifRejection rejection) {
        encode(slot, offset, rejection, rejection.status());
    }
}
