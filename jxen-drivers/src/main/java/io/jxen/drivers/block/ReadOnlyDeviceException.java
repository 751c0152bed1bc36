package io.jxen.drivers.block;

/** A write-like operation (write, flush, discard, write zeroes) on a read-only device. */
public final class ReadOnlyDeviceException extends BlockDeviceException {

    private static final long serialVersionUID = 1L;

    /** Names the refused operation. */
    public ReadOnlyDeviceException(String operation) {
        super(operation + " refused: the device is read-only");
    }
}
