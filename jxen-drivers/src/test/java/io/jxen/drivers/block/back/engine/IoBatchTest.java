package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.OutOfRangeException;
import io.jxen.drivers.block.ReadOnlyDeviceException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IoBatch} on a {@link FileEngine}, each way it can run: io_uring ({@link FileBatch} with
 * the ring), {@code preadv}/{@code pwritev} ({@link FileBatch} without it) and one engine call per
 * transfer ({@link SerialBatch}); every case must give the same bytes and the same per-transfer
 * outcome (parity), against a model of the file.
 */
class IoBatchTest {

    private static final int PAGE = 4096;
    private static final int DISK = 4 << 20;

    @TempDir
    Path dir;

    private IoBatch batch(String kind, FileEngine engine, int transfers, int segments) {
        return switch (kind) {
            case "uring" -> {
                Assumptions.assumeTrue(uringWorks(), "io_uring not available here");
                yield new FileBatch(engine, transfers, segments, true);
            }
            case "preadv" -> new FileBatch(engine, transfers, segments, false);
            default -> new SerialBatch(engine, transfers, segments);
        };
    }

    /** Whether this kernel lets us set up a ring at all (else the uring case is skipped, and fails under CI). */
    private static boolean uringWorks() {
        try (IoUring ring = new IoUring(8)) {
            return ring.entries() >= 8;
        } catch (IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("io_uring unavailable under CI: " + e.getMessage(), e);
            }
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "preadv", "serial"})
    void aBatchOfScatteredReadsAndWritesMatchesTheModel(String kind) throws IOException {
        Random random = new Random(42);
        byte[] model = new byte[DISK];
        random.nextBytes(model);
        Path image = dir.resolve("disk.img");
        Files.write(image, model);
        try (FileEngine engine = FileEngine.open(image, FileEngine.Options.sync());
             Arena arena = Arena.ofConfined();
             IoBatch batch = batch(kind, engine, 64, 512)) {
            MemorySegment pages = arena.allocate(512L * PAGE, PAGE);
            for (int round = 0; round < 20; round++) {
                int transfers = 1 + random.nextInt(64);
                int[] page = new int[transfers];
                int[] count = new int[transfers];
                long[] offset = new long[transfers];
                boolean[] write = new boolean[transfers];
                int nextPage = 0;
                for (int t = 0; t < transfers && nextPage < 500; t++) {
                    count[t] = 1 + random.nextInt(Math.min(8, 512 - nextPage));
                    page[t] = nextPage;
                    nextPage += count[t];
                    // distinct, non-overlapping 64 KiB slots: the batch gives no order between transfers
                    offset[t] = (long) t * 16 * PAGE;
                    write[t] = random.nextBoolean();
                    if (write[t]) {
                        byte[] data = new byte[count[t] * PAGE];
                        random.nextBytes(data);
                        MemorySegment.copy(MemorySegment.ofArray(data), 0, pages, (long) page[t] * PAGE, data.length);
                        System.arraycopy(data, 0, model, (int) offset[t], data.length);
                    } else {
                        pages.asSlice((long) page[t] * PAGE, (long) count[t] * PAGE).fill((byte) 0x5a);
                    }
                    batch.begin(write[t], offset[t]);
                    for (int s = 0; s < count[t]; s++) {
                        // each page its own segment, the pages not adjacent in the file order they were given
                        batch.segment(pages, (long) (page[t] + s) * PAGE, PAGE);
                    }
                    assertThat(batch.end()).isEqualTo(t);
                }
                int added = batch.transfers();
                batch.run();
                for (int t = 0; t < added; t++) {
                    assertThat(batch.failure(t)).isNull();
                    if (!write[t]) {
                        byte[] got = pages.asSlice((long) page[t] * PAGE, (long) count[t] * PAGE).toArray(
                                java.lang.foreign.ValueLayout.JAVA_BYTE);
                        byte[] want = java.util.Arrays.copyOfRange(model, (int) offset[t], (int) offset[t] + got.length);
                        assertThat(got).as("round %d transfer %d", round, t).isEqualTo(want);
                    }
                }
                batch.clear();
                assertThat(batch.transfers()).isZero();
                assertThat(batch.segments()).isZero();
            }
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(model);
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "preadv", "serial"})
    void aTransferOutOfRangeOrOnAReadOnlyDiskFailsAloneAndTouchesNothing(String kind) throws IOException {
        Path image = dir.resolve("ro.img");
        byte[] content = new byte[DISK];
        new Random(5).nextBytes(content);
        Files.write(image, content);
        try (FileEngine engine = FileEngine.open(image, FileEngine.Options.sync().asReadOnly());
             Arena arena = Arena.ofConfined();
             IoBatch batch = batch(kind, engine, 8, 8)) {
            MemorySegment pages = arena.allocate(4L * PAGE, PAGE);
            batch.begin(false, 0);
            batch.segment(pages, 0, PAGE);
            batch.end();
            batch.begin(true, PAGE); // a write on a read-only disk
            batch.segment(pages, PAGE, PAGE);
            batch.end();
            batch.begin(false, DISK - PAGE / 2); // past the end
            batch.segment(pages, 2 * PAGE, PAGE);
            batch.end();
            batch.begin(false, DISK - PAGE);
            batch.segment(pages, 3 * PAGE, PAGE);
            batch.end();
            batch.run();
            assertThat(batch.failure(0)).isNull();
            assertThat(batch.failure(1)).isInstanceOf(ReadOnlyDeviceException.class);
            assertThat(batch.failure(2)).isInstanceOf(OutOfRangeException.class);
            assertThat(batch.failure(3)).isNull();
            assertThat(pages.asSlice(0, PAGE).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(content, 0, PAGE));
            assertThat(pages.asSlice(3L * PAGE, PAGE).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(content, DISK - PAGE, DISK));
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(content);
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "preadv", "serial"})
    void aReadPastTheEndOfAShrunkFileReadsZeroes(String kind) throws IOException {
        Path image = dir.resolve("shrink.img");
        byte[] content = new byte[DISK];
        java.util.Arrays.fill(content, (byte) 7);
        Files.write(image, content);
        try (FileEngine engine = FileEngine.open(image, FileEngine.Options.sync());
             Arena arena = Arena.ofConfined();
             IoBatch batch = batch(kind, engine, 4, 4)) {
            try (FileChannel f = FileChannel.open(image, StandardOpenOption.WRITE)) {
                f.truncate(DISK - PAGE - 512); // someone else truncates the image under the engine
            }
            MemorySegment pages = arena.allocate(2L * PAGE, PAGE);
            pages.fill((byte) 0x5a);
            batch.begin(false, DISK - 2L * PAGE);
            batch.segment(pages, 0, PAGE);
            batch.segment(pages, PAGE, PAGE);
            batch.end();
            batch.run();
            assertThat(batch.failure(0)).isNull();
            byte[] got = pages.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("byte %d", i).isEqualTo(i < PAGE - 512 ? (byte) 7 : (byte) 0);
            }
        }
    }

    @Test
    void theRingIsUsedWhereTheKernelHasItAndAnotherThreadFallsBackToPreadv() throws Exception {
        Assumptions.assumeTrue(uringWorks(), "io_uring not available here");
        Path image = dir.resolve("threads.img");
        byte[] content = new byte[DISK];
        new Random(9).nextBytes(content);
        Files.write(image, content);
        try (FileEngine engine = FileEngine.open(image, FileEngine.Options.sync());
             Arena arena = Arena.ofShared();
             FileBatch batch = new FileBatch(engine, 4, 4, true)) {
            MemorySegment page = arena.allocate(PAGE, PAGE);
            readPage(batch, page, 3);
            assertThat(batch.uringRuns()).isEqualTo(1);
            assertThat(page.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(content, 3 * PAGE, 4 * PAGE));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    readPage(batch, page, 5); // not the ring's submitter (SINGLE_ISSUER): preadv
                    assertThat(page.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                            .isEqualTo(java.util.Arrays.copyOfRange(content, 5 * PAGE, 6 * PAGE));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            other.start();
            other.join();
            assertThat(failure.get()).isNull();
            assertThat(batch.uringRuns()).isEqualTo(1);
        }
    }

    @Test
    void aBatchOfAClosedEngineFailsEveryTransfer() throws IOException {
        Path image = dir.resolve("closed.img");
        Files.write(image, new byte[DISK]);
        FileEngine engine = FileEngine.open(image, FileEngine.Options.sync());
        try (Arena arena = Arena.ofConfined(); IoBatch batch = IoBatch.of(engine, 4, 4)) {
            MemorySegment page = arena.allocate(PAGE, PAGE);
            engine.close();
            batch.begin(false, 0);
            batch.segment(page, 0, PAGE);
            batch.end();
            batch.run();
            assertThat(batch.failure(0)).hasMessageContaining("closed");
        }
    }

    @Test
    void ioUringCanBeTurnedOffByProperty() {
        String before = System.getProperty(IoUring.PROPERTY);
        try {
            System.setProperty(IoUring.PROPERTY, "never");
            assertThat(IoUring.enabled()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty(IoUring.PROPERTY);
            } else {
                System.setProperty(IoUring.PROPERTY, before);
            }
        }
    }

    private static void readPage(IoBatch batch, MemorySegment page, int index) {
        page.fill((byte) 0);
        batch.begin(false, (long) index * PAGE);
        batch.segment(page, 0, PAGE);
        batch.end();
        batch.run();
        assertThat(batch.failure(0)).isNull();
        batch.clear();
    }

    @Test
    void segmentsOutsideNativeMemoryStillMove() throws IOException {
        Path image = dir.resolve("heap.img");
        byte[] content = new byte[DISK];
        new Random(11).nextBytes(content);
        Files.write(image, content);
        try (FileEngine engine = FileEngine.open(image, FileEngine.Options.sync());
             IoBatch batch = IoBatch.of(engine, 2, 2)) {
            ByteBuffer heap = ByteBuffer.allocate(PAGE);
            batch.begin(false, 2 * PAGE);
            batch.segment(MemorySegment.ofBuffer(heap), 0, PAGE);
            batch.end();
            batch.run();
            assertThat(batch.failure(0)).isNull();
            assertThat(heap.array()).isEqualTo(java.util.Arrays.copyOfRange(content, 2 * PAGE, 3 * PAGE));
        }
    }
}
