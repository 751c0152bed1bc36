package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;

import java.util.Optional;

/**
 * The frontend's {@code protocol} key (io/protocols.h {@code XEN_IO_PROTO_ABI_*}) as the
 * request layout to decode. A missing key means the native ABI (x86_64 for jxen, as QEMU
 * assumes); an unknown value is refused, the backend must not guess (block.md section 5).
 */
public final class BlkifProtocol {

    /** {@code XEN_IO_PROTO_ABI_X86_32}. */
    public static final String X86_32_ABI = "x86_32-abi";
    /** {@code XEN_IO_PROTO_ABI_X86_64}. */
    public static final String X86_64_ABI = "x86_64-abi";

    private BlkifProtocol() {
    }

    /** The layout for {@code value} (null or empty: native), or empty when unknown. */
    public static Optional<XenAbi> parse(String value) {
        if (value == null || value.isEmpty() || value.equals(X86_64_ABI)) {
            return Optional.of(XenAbi.X86_64);
        }
        if (value.equals(X86_32_ABI)) {
            return Optional.of(XenAbi.X86_32);
        }
        return Optional.empty();
    }
}
