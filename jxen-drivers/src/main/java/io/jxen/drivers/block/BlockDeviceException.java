package io.jxen.drivers.block;

import java.io.IOException;

/**
 * A request a {@link BlockDevice} refused without touching the disk. The subclasses say why,
 * so a backend can map them to a protocol's error codes (blkif {@code BLKIF_RSP_*}, NBD errno).
 */
public abstract sealed class BlockDeviceException extends IOException
        permits OutOfRangeException, ReadOnlyDeviceException, UnsupportedBlockOperationException {

    private static final long serialVersionUID = 1L;

    /** With the message that explains the refusal. */
    protected BlockDeviceException(String message) {
        super(message);
    }
}
