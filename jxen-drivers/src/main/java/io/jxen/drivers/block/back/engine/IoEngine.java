package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockDevice;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The backend's I/O engine: a {@link BlockDevice} whose operations can also be submitted
 * without blocking. One type serves both ways of running (Firecracker's block device does the
 * same): a {@link Mode#SYNC} engine runs a submitted operation on the caller's thread and
 * returns a completed future, an {@link Mode#ASYNC} engine hands it to its worker pool. The
 * blocking {@link BlockDevice} methods work in both modes. A refused operation (range,
 * read-only, unsupported) completes its future exceptionally with the same
 * {@link io.jxen.drivers.block.BlockDeviceException} the blocking method throws.
 *
 * <p>Completion order is not submission order in {@link Mode#ASYNC}: a caller that needs
 * ordering (blkif {@code WRITE_BARRIER}) waits for the earlier futures first.
 */
public interface IoEngine extends BlockDevice {

    /** How submitted operations run. */
    enum Mode {
        /** On the submitting thread; the returned future is already complete. */
        SYNC,
        /** On the engine's worker threads. */
        ASYNC
    }

    /** How this engine runs submitted operations. */
    Mode mode();

    /** {@link #read} without blocking; {@code dst} must not be touched until the future completes. */
    CompletableFuture<Void> submitRead(long offsetBytes, ByteBuffer dst);

    /** {@link #write} without blocking; {@code src} must not be touched until the future completes. */
    CompletableFuture<Void> submitWrite(long offsetBytes, ByteBuffer src, boolean fua);

    /** {@link #flush} without blocking: durable are the writes completed before this call. */
    CompletableFuture<Void> submitFlush();

    /** {@link #discard} without blocking. */
    CompletableFuture<Void> submitDiscard(long offsetBytes, long lengthBytes);

    /** {@link #writeZeroes} without blocking. */
    CompletableFuture<Void> submitWriteZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua);
}
