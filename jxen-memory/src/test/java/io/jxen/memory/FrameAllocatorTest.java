package io.jxen.memory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameAllocatorTest {

    @Test
    void allocatesLowestFreeFramesAndReusesFreedOnes() {
        FrameAllocator frames = new FrameAllocator(4);
        assertThat(frames.alloc()).isZero();
        assertThat(frames.alloc()).isEqualTo(1);
        assertThat(frames.alloc()).isEqualTo(2);
        frames.free(1);
        assertThat(frames.isAllocated(1)).isFalse();
        assertThat(frames.freeFrames()).isEqualTo(2);
        assertThat(frames.alloc()).isEqualTo(1);
    }

    @Test
    void exhaustionSaysHowMuchWasFree() {
        FrameAllocator frames = new FrameAllocator(2);
        frames.alloc();
        frames.alloc();
        assertThatThrownBy(frames::alloc)
                .isInstanceOf(OutOfFramesException.class)
                .hasMessageContaining("0 of 2 free");
    }

    @Test
    void contiguousRunsSkipHoles() {
        FrameAllocator frames = new FrameAllocator(8);
        for (int i = 0; i < 8; i++) {
            frames.alloc();
        }
        frames.free(1);
        frames.free(3, 3); // 3, 4, 5 free; 1 alone
        assertThat(frames.allocContiguous(2)).isEqualTo(3);
        assertThatThrownBy(() -> frames.allocContiguous(2)).isInstanceOf(OutOfFramesException.class);
        assertThat(frames.allocContiguous(1)).isEqualTo(1);
    }

    @Test
    void doubleFreeIsAnErrorAndFreesNothing() {
        FrameAllocator frames = new FrameAllocator(4);
        long first = frames.allocContiguous(2);
        frames.free(first + 1);
        assertThatThrownBy(() -> frames.free(first + 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("double free");
        assertThatThrownBy(() -> frames.free(first, 2)).isInstanceOf(IllegalStateException.class);
        assertThat(frames.isAllocated(first)).isTrue();
        assertThatThrownBy(() -> frames.free(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
