package io.jxen.drivers.block;

/** An operation the device lacks the {@link BlockCapability} for. */
public final class UnsupportedBlockOperationException extends BlockDeviceException {

    private static final long serialVersionUID = 1L;

    /** Names the missing capability. */
    public UnsupportedBlockOperationException(BlockCapability missing) {
        super("the device does not support " + missing);
    }
}
