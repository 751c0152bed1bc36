package io.jxen.drivers.block;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryBlockDeviceTest {

    @Test
    void writesReadBackAndAllocationFollowsChunks() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(64 * 1024, false);
        assertThat(device.allocation(0, 64 * 1024)).containsExactly(Extent.hole(0, 64 * 1024));
        device.write(5000, ByteBuffer.wrap(new byte[] {9, 8, 7}), false);
        ByteBuffer back = ByteBuffer.allocate(5);
        device.read(4999, back);
        assertThat(back.array()).containsExactly(0, 9, 8, 7, 0);
        assertThat(device.allocation(0, 64 * 1024)).containsExactly(
                Extent.hole(0, 4096), Extent.data(4096, 4096), Extent.hole(8192, 56 * 1024));
        device.discard(4096, 4096);
        assertThat(device.allocation(0, 64 * 1024)).containsExactly(Extent.hole(0, 64 * 1024));
        device.writeZeroes(0, 100, false, false);
        assertThat(device.allocation(0, 8192)).containsExactly(Extent.data(0, 4096), Extent.hole(4096, 4096));
    }

    @Test
    void refusalsAreTyped() {
        MemoryBlockDevice readOnly = new MemoryBlockDevice(4096, true);
        assertThatThrownBy(() -> readOnly.write(0, ByteBuffer.allocate(1), false)).isInstanceOf(ReadOnlyDeviceException.class);
        assertThatThrownBy(readOnly::flush).isInstanceOf(ReadOnlyDeviceException.class);
        assertThatThrownBy(() -> readOnly.discard(0, 1)).isInstanceOf(ReadOnlyDeviceException.class);
        assertThatThrownBy(() -> readOnly.writeZeroes(0, 1, false, false)).isInstanceOf(ReadOnlyDeviceException.class);
        assertThatThrownBy(() -> readOnly.read(4000, ByteBuffer.allocate(97))).isInstanceOf(OutOfRangeException.class)
                .hasMessageContaining("4000+97");
        assertThatThrownBy(() -> BlockRanges.checkRange(Long.MAX_VALUE, 2, Long.MAX_VALUE))
                .isInstanceOf(OutOfRangeException.class);
    }
}
