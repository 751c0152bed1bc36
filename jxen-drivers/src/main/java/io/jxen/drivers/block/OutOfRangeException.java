package io.jxen.drivers.block;

/** A range that is negative, wraps, or ends past the end of the device. */
public final class OutOfRangeException extends BlockDeviceException {

    private static final long serialVersionUID = 1L;

    /** Names the range and the device size. */
    public OutOfRangeException(long offsetBytes, long lengthBytes, long sizeBytes) {
        super("range " + Long.toUnsignedString(offsetBytes) + "+" + Long.toUnsignedString(lengthBytes)
                + " is outside the device (" + sizeBytes + " bytes)");
    }
}
