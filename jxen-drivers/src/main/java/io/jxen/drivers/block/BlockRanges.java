package io.jxen.drivers.block;

/** The range and read-only checks every {@link BlockDevice} runs before it moves a byte. */
public final class BlockRanges {

    private BlockRanges() {
    }

    /**
     * Checks that {@code [offsetBytes, offsetBytes + lengthBytes)} lies inside a device of
     * {@code sizeBytes}, treating both as unsigned so a wrapping range is refused too.
     */
    public static void checkRange(long offsetBytes, long lengthBytes, long sizeBytes) throws OutOfRangeException {
        if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes > sizeBytes || lengthBytes > sizeBytes - offsetBytes) {
            throw new OutOfRangeException(offsetBytes, lengthBytes, sizeBytes);
        }
    }

    /** Checks the range and that the device is writable, for {@code operation}. */
    public static void checkWritable(String operation, boolean readOnly, long offsetBytes, long lengthBytes,
                                     long sizeBytes) throws BlockDeviceException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(operation);
        }
        checkRange(offsetBytes, lengthBytes, sizeBytes);
    }
}
