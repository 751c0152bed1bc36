package io.jxen.abi.ring;

import io.jxen.abi.blkif.BlkifSringDescriptor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SharedRingDescriptor#entries} against the ring sizes the C probe computed. */
class SharedRingDescriptorTest {

    @Test
    void entriesMatchIoRingHForBothBlkifAbis() {
        assertThat(SharedRingDescriptor.entries(1, BlkifSringDescriptor.X86_64.ENTRY_SIZE))
                .isEqualTo(BlkifSringDescriptor.X86_64.ENTRIES_ONE_PAGE);
        assertThat(SharedRingDescriptor.entries(4, BlkifSringDescriptor.X86_64.ENTRY_SIZE))
                .isEqualTo(BlkifSringDescriptor.X86_64.ENTRIES_FOUR_PAGES);
        assertThat(SharedRingDescriptor.entries(1, BlkifSringDescriptor.X86_32.ENTRY_SIZE))
                .isEqualTo(BlkifSringDescriptor.X86_32.ENTRIES_ONE_PAGE);
        assertThat(SharedRingDescriptor.entries(4, BlkifSringDescriptor.X86_32.ENTRY_SIZE))
                .isEqualTo(BlkifSringDescriptor.X86_32.ENTRIES_FOUR_PAGES);
        assertThat(SharedRingDescriptor.RING_OFFSET).isEqualTo(BlkifSringDescriptor.X86_64.RING_OFFSET)
                .isEqualTo(BlkifSringDescriptor.X86_32.RING_OFFSET);
    }

    @Test
    void aRingWithoutRoomForOneEntryIsRejected() {
        assertThatThrownBy(() -> SharedRingDescriptor.entries(1, 4096)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedRingDescriptor.entries(0, 112)).isInstanceOf(IllegalArgumentException.class);
    }
}
