package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.Extent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine over a regular file without sparse assumptions ({@link FileEngine.Options#asDense()}),
 * the block-device behaviour where no block device can be attached: created fully allocated,
 * discard and write zeroes leave zeroes and keep every block allocated (a sparse-aware engine
 * on the same file finds no hole), and no allocation status is offered.
 */
class DenseFileEngineTest {

    @TempDir
    Path dir;

    @Test
    void aDenseImageIsAllocatedAndStaysAllocatedThroughDiscardAndZeroes() throws Exception {
        Path image = dir.resolve("dense.img");
        try (FileEngine dense = FileEngine.create(image, 4L << 20, FileEngine.Options.sync().asDense());
             FileEngine probe = FileEngine.open(image, FileEngine.Options.sync().asReadOnly())) {
            assertThat(dense.sparse()).isFalse();
            assertThat(probe.sparse()).isTrue();
            assertThat(dense.capabilities()).doesNotContain(BlockCapability.ALLOCATION_STATUS)
                    .contains(BlockCapability.DISCARD, BlockCapability.WRITE_ZEROES);
            assertThat(probe.allocation(0, 4L << 20)).containsExactly(Extent.data(0, 4L << 20));

            byte[] data = new byte[64 * 1024];
            Arrays.fill(data, (byte) 0x6b);
            dense.write(1 << 20, ByteBuffer.wrap(data), true);
            dense.discard(1 << 20, 32 * 1024);
            dense.writeZeroes((1 << 20) + 32 * 1024, 32 * 1024, true, true);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            dense.read(1 << 20, back);
            assertThat(back.array()).isEqualTo(new byte[data.length]);
            assertThat(probe.allocation(0, 4L << 20)).as("nothing punched").containsExactly(Extent.data(0, 4L << 20));
            assertThat(dense.allocation(0, 8192)).containsExactly(Extent.data(0, 8192));
        }
    }

    /** The control: on this file system a sparse engine's discard does punch, and the probe sees it. */
    @Test
    void theSameCallsOnASparseEnginePunchHoles() throws Exception {
        Path image = dir.resolve("sparse.img");
        try (FileEngine sparse = FileEngine.create(image, 4L << 20, FileEngine.Options.sync())) {
            byte[] data = new byte[64 * 1024];
            Arrays.fill(data, (byte) 0x6b);
            sparse.write(1 << 20, ByteBuffer.wrap(data), true);
            assertThat(sparse.allocation(0, 4L << 20)).contains(Extent.hole(0, 1 << 20));
            sparse.discard(1 << 20, 64 * 1024);
            // The file system here reports holes, so the dense test's "nothing punched" can fail.
            assertThat(sparse.allocation(1 << 20, 64 * 1024)).containsExactly(Extent.hole(1 << 20, 64 * 1024));
        }
    }
}
