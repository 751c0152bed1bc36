package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.OutOfRangeException;
import io.jxen.drivers.block.ReadOnlyDeviceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileEngineTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static FileEngine.Options options(IoEngine.Mode mode) {
        return mode == IoEngine.Mode.SYNC ? FileEngine.Options.sync() : FileEngine.Options.async();
    }

    private static ByteBuffer pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i * 31);
        }
        return ByteBuffer.wrap(bytes);
    }

    private static byte[] read(FileEngine engine, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        engine.read(offset, buffer);
        assertThat(buffer.hasRemaining()).isFalse();
        return buffer.array();
    }

    @ParameterizedTest
    @EnumSource(IoEngine.Mode.class)
    void createdImageIsOneHoleThatReadsAsZeroes(IoEngine.Mode mode) throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 4 * MIB, options(mode))) {
            assertThat(engine.sizeBytes()).isEqualTo(4 * MIB);
            assertThat(engine.logicalSectorSizeBytes()).isEqualTo(512);
            assertThat(engine.capabilities()).contains(BlockCapability.ALLOCATION_STATUS, BlockCapability.DISCARD);
            assertThat(engine.allocation(0, 4 * MIB)).containsExactly(Extent.hole(0, 4 * MIB));
            assertThat(read(engine, 4 * MIB - 4096, 4096)).containsOnly(0);
        }
    }

    @ParameterizedTest
    @EnumSource(IoEngine.Mode.class)
    void writeReadDiscardAndZeroesShowInAllocation(IoEngine.Mode mode) throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 4 * MIB, options(mode))) {
            engine.write(MIB, pattern(64 * 1024, 7), true);
            assertThat(read(engine, MIB, 64 * 1024)).isEqualTo(pattern(64 * 1024, 7).array());
            assertThat(engine.allocation(0, 4 * MIB)).containsExactly(
                    Extent.hole(0, MIB), Extent.data(MIB, 64 * 1024), Extent.hole(MIB + 64 * 1024, 3 * MIB - 64 * 1024));

            engine.discard(MIB, 32 * 1024);
            assertThat(read(engine, MIB, 32 * 1024)).containsOnly(0);
            assertThat(engine.allocation(MIB, 64 * 1024)).containsExactly(
                    Extent.hole(MIB, 32 * 1024), Extent.data(MIB + 32 * 1024, 32 * 1024));

            engine.writeZeroes(MIB + 32 * 1024, 16 * 1024, false, true);
            assertThat(read(engine, MIB + 32 * 1024, 16 * 1024)).containsOnly(0);
            assertThat(engine.allocation(MIB + 32 * 1024, 16 * 1024)).containsExactly(
                    Extent.data(MIB + 32 * 1024, 16 * 1024));

            engine.writeZeroes(MIB + 48 * 1024, 16 * 1024, true, false);
            assertThat(engine.allocation(MIB + 48 * 1024, 16 * 1024)).containsExactly(
                    Extent.hole(MIB + 48 * 1024, 16 * 1024));
            engine.flush();
        }
    }

    @Test
    void anInterruptedCallerLeavesTheFileOpenForWorkOnNativeMemory() throws IOException {
        // A FileChannel closes itself for good when its caller is interrupted; blkback's turns
        // may run on a frontend's lent thread (ChannelPoller), whose interrupt is not the
        // backend's business. Every operation blkback issues (on guest pages: native memory)
        // goes through the engine's own descriptor instead.
        org.junit.jupiter.api.Assumptions.assumeTrue(LinuxFiles.available(), "Linux only");
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 4 * MIB,
                FileEngine.Options.sync().asDense());
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            assertThat(engine.interruptSafe()).isTrue();
            java.lang.foreign.MemorySegment page = arena.allocate(8192, 4096);
            page.asByteBuffer().put(pattern(8192, 3));
            Thread.currentThread().interrupt();
            try {
                engine.write(0, page.asSlice(0, 4096).asByteBuffer(), true);
                engine.writeGathered(4096, java.util.List.of(page.asSlice(4096, 4096)), true);
                engine.flush();
                engine.discard(MIB, 64 * 1024); // dense: zeroes written
                engine.writeZeroes(2 * MIB, 8192, false, true);
                ByteBuffer back = arena.allocate(8192, 4096).asByteBuffer();
                engine.read(0, back);
                assertThat(back.hasRemaining()).isFalse();
                java.lang.foreign.MemorySegment scattered = arena.allocate(8192, 4096);
                engine.readScattered(0, java.util.List.of(scattered.asSlice(0, 4096), scattered.asSlice(4096)));
                assertThat(scattered.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .isEqualTo(pattern(8192, 3).array());
                assertThat(back.flip().equals(pattern(8192, 3))).isTrue();
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is the caller's, kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(read(engine, 0, 8192)).as("the channel is still open").isEqualTo(pattern(8192, 3).array());
            assertThat(read(engine, MIB, 64 * 1024)).containsOnly(0);
        }
    }

    @Test
    void unalignedByteRangesWork() throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), MIB, FileEngine.Options.sync())) {
            engine.write(1001, ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
            engine.writeZeroes(1002, 1, false, false);
            assertThat(read(engine, 1000, 5)).containsExactly(0, 1, 0, 3, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(IoEngine.Mode.class)
    void rangesPastTheEndOrWrappingAreRefused(IoEngine.Mode mode) throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), MIB, options(mode))) {
            assertThatThrownBy(() -> engine.read(MIB - 511, ByteBuffer.allocate(512))).isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.write(MIB, ByteBuffer.allocate(1), false)).isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.write(Long.MAX_VALUE, ByteBuffer.allocate(2), false))
                    .isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.discard(-512, 1024)).isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.writeZeroes(512, Long.MAX_VALUE, true, false))
                    .isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.allocation(0, MIB + 1)).isInstanceOf(OutOfRangeException.class);
            CompletableFuture<Void> refused = engine.submitRead(MIB, ByteBuffer.allocate(1));
            assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(OutOfRangeException.class);
            assertThat(Files.size(engine.path())).isEqualTo(MIB);
        }
    }

    @ParameterizedTest
    @EnumSource(IoEngine.Mode.class)
    void readOnlyRefusesEveryWriteLikeOperationAndLeavesTheImageAlone(IoEngine.Mode mode) throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileEngine writable = FileEngine.create(image, MIB, FileEngine.Options.sync())) {
            writable.write(0, pattern(8192, 3), false);
            writable.flush();
        }
        byte[] before = Files.readAllBytes(image);
        try (FileEngine engine = FileEngine.open(image, options(mode).asReadOnly())) {
            assertThat(engine.readOnly()).isTrue();
            assertThatThrownBy(() -> engine.write(0, ByteBuffer.allocate(512), false))
                    .isInstanceOf(ReadOnlyDeviceException.class);
            assertThatThrownBy(engine::flush).isInstanceOf(ReadOnlyDeviceException.class);
            assertThatThrownBy(() -> engine.discard(0, 4096)).isInstanceOf(ReadOnlyDeviceException.class);
            assertThatThrownBy(() -> engine.writeZeroes(0, 4096, true, false))
                    .isInstanceOf(ReadOnlyDeviceException.class);
            for (CompletableFuture<Void> f : List.of(engine.submitWrite(0, ByteBuffer.allocate(512), true),
                    engine.submitFlush(), engine.submitDiscard(0, 512), engine.submitWriteZeroes(0, 512, false, false))) {
                assertThatThrownBy(f::get).hasCauseInstanceOf(ReadOnlyDeviceException.class);
            }
            assertThat(read(engine, 0, 8192)).isEqualTo(pattern(8192, 3).array());
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
    }

    @Test
    void asyncEngineCompletesManyConcurrentWritesAndReads() throws Exception {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 8 * MIB, FileEngine.Options.async())) {
            assertThat(engine.mode()).isEqualTo(IoEngine.Mode.ASYNC);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 512; i++) {
                writes.add(engine.submitWrite((long) i * 16384, pattern(16384, i), i % 64 == 0));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
            engine.submitFlush().get();
            List<ByteBuffer> buffers = new ArrayList<>();
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 512; i++) {
                ByteBuffer buffer = ByteBuffer.allocate(16384);
                buffers.add(buffer);
                reads.add(engine.submitRead((long) i * 16384, buffer));
            }
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get();
            for (int i = 0; i < 512; i++) {
                assertThat(Arrays.equals(buffers.get(i).array(), pattern(16384, i).array())).as("block %d", i).isTrue();
            }
        }
    }

    @Test
    void syncEngineCompletesSubmissionsBeforeReturning() throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), MIB, FileEngine.Options.sync())) {
            CompletableFuture<Void> write = engine.submitWrite(0, pattern(512, 1), false);
            assertThat(write).isCompleted();
            assertThat(read(engine, 0, 512)).isEqualTo(pattern(512, 1).array());
        }
    }

    @Test
    void closedEngineRefusesWork() throws IOException {
        FileEngine engine = FileEngine.create(dir.resolve("disk.img"), MIB, FileEngine.Options.async());
        engine.close();
        assertThatThrownBy(() -> engine.read(0, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
        assertThat(engine.submitFlush()).isCompletedExceptionally();
    }

    @Test
    void somethingThatIsNeitherFileNorDeviceIsRefused() {
        assertThatThrownBy(() -> FileEngine.open(dir, FileEngine.Options.sync()))
                .isInstanceOf(IOException.class).hasMessageContaining("neither");
    }

    /** blkback's in-place path: segments of native pages, several per call, in order and at odd sizes. */
    @Test
    void scatteredReadAndGatheredWriteMoveEverySegmentInOrder() throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 4 * MIB, FileEngine.Options.sync());
             Arena arena = Arena.ofConfined()) {
            int[] sizes = {512, 4096, 1536, 4096, 3584};
            int total = Arrays.stream(sizes).sum();
            byte[] data = pattern(total, 3).array();
            List<MemorySegment> srcs = new ArrayList<>();
            int at = 0;
            for (int size : sizes) {
                MemorySegment page = arena.allocate(4096, 4096);
                MemorySegment part = page.asSlice(4096 - size, size);
                MemorySegment.copy(MemorySegment.ofArray(data), at, part, 0, size);
                srcs.add(part);
                at += size;
            }
            engine.writeGathered(MIB + 512, srcs, true);
            assertThat(read(engine, MIB + 512, total)).isEqualTo(data);

            List<MemorySegment> dsts = new ArrayList<>();
            for (int size : sizes) {
                dsts.add(arena.allocate(size, 512));
            }
            engine.readScattered(MIB + 512, dsts);
            byte[] back = new byte[total];
            at = 0;
            for (MemorySegment d : dsts) {
                MemorySegment.copy(d, 0, MemorySegment.ofArray(back), at, d.byteSize());
                at += (int) d.byteSize();
            }
            assertThat(back).isEqualTo(data);

            // Heap segments take the buffered default; the outcome is the same.
            List<MemorySegment> heap = List.of(MemorySegment.ofArray(new byte[1024]), MemorySegment.ofArray(new long[64]));
            engine.readScattered(MIB + 512, heap);
            assertThat(heap.get(0).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(Arrays.copyOfRange(data, 0, 1024));
            assertThat(heap.get(1).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(Arrays.copyOfRange(data, 1024, 1536));
        }
    }

    @Test
    void scatteredTransfersCheckRangeAndWritability() throws IOException {
        try (FileEngine engine = FileEngine.create(dir.resolve("disk.img"), MIB, FileEngine.Options.sync());
             Arena arena = Arena.ofConfined()) {
            List<MemorySegment> two = List.of(arena.allocate(4096), arena.allocate(4096));
            assertThatThrownBy(() -> engine.readScattered(MIB - 4096, two)).isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.writeGathered(MIB - 4096, two, false)).isInstanceOf(OutOfRangeException.class);
            assertThatThrownBy(() -> engine.readScattered(0, List.of(arena.allocate(512).asReadOnly())))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (FileEngine readOnly = FileEngine.open(dir.resolve("disk.img"), FileEngine.Options.sync().asReadOnly());
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> readOnly.writeGathered(0, List.of(arena.allocate(512), arena.allocate(512)), false))
                    .isInstanceOf(ReadOnlyDeviceException.class);
        }
    }
}
