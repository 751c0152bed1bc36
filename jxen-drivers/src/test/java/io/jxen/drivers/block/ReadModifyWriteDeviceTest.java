package io.jxen.drivers.block;

import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadModifyWriteDeviceTest {

    private static final int SIZE = 256 * 1024;

    /** Threads of their own: the common pool may have a single thread on a 2-core machine. */
    private static final java.util.concurrent.ExecutorService THREADS =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /**
     * A device that refuses what blkfront refuses (any offset or length that is not a multiple
     * of 512) and can hold one chosen call until the test lets it go.
     */
    static final class SectorOnlyDevice implements BlockDevice {
        final MemoryBlockDevice memory = new MemoryBlockDevice(SIZE, false);
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch holdNextRead;
        volatile CountDownLatch holdNextWrite;
        final CountDownLatch heldOne = new CountDownLatch(1);

        private static void aligned(long offset, long length) {
            if (offset % 512 != 0 || length % 512 != 0) {
                throw new IllegalArgumentException("unaligned " + offset + "+" + length);
            }
        }

        private void hold(CountDownLatch gate) {
            if (gate != null) {
                heldOne.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        public long sizeBytes() {
            return SIZE;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public Set<BlockCapability> capabilities() {
            return memory.capabilities();
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) throws IOException {
            aligned(offsetBytes, dst.remaining());
            reads.incrementAndGet();
            calls.add("read " + offsetBytes + "+" + dst.remaining());
            CountDownLatch gate = holdNextRead;
            holdNextRead = null;
            memory.read(offsetBytes, dst);
            hold(gate);
        }

        @Override
        public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
            aligned(offsetBytes, src.remaining());
            writes.incrementAndGet();
            calls.add("write " + offsetBytes + "+" + src.remaining());
            CountDownLatch gate = holdNextWrite;
            holdNextWrite = null;
            hold(gate);
            memory.write(offsetBytes, src, fua);
        }

        @Override
        public void flush() throws IOException {
            calls.add("flush");
        }

        @Override
        public void discard(long offsetBytes, long lengthBytes) throws IOException {
            aligned(offsetBytes, lengthBytes);
            calls.add("discard " + offsetBytes + "+" + lengthBytes);
            memory.discard(offsetBytes, lengthBytes);
        }

        @Override
        public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
            aligned(offsetBytes, lengthBytes);
            calls.add("zero " + offsetBytes + "+" + lengthBytes);
            memory.writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua);
        }

        @Override
        public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
            aligned(offsetBytes, lengthBytes);
            return memory.allocation(offsetBytes, lengthBytes);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void randomUnalignedReadsWritesAndZeroesMatchAByteModel() {
        Seeds.run(seed -> {
            try {
                SectorOnlyDevice inner = new SectorOnlyDevice();
                ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
                byte[] model = new byte[SIZE];
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < 2000; i++) {
                    int offset = random.nextInt(SIZE);
                    int length = random.nextInt(Math.min(SIZE - offset, 3000) + 1);
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            byte[] data = new byte[length];
                            random.nextBytes(data);
                            disk.write(offset, ByteBuffer.wrap(data), random.nextBoolean());
                            System.arraycopy(data, 0, model, offset, length);
                        }
                        case 1 -> {
                            disk.writeZeroes(offset, length, random.nextBoolean(), random.nextBoolean());
                            Arrays.fill(model, offset, offset + length, (byte) 0);
                        }
                        default -> {
                            ByteBuffer back = ByteBuffer.allocate(length + 7).position(3).limit(3 + length);
                            disk.read(offset, back);
                            assertThat(back.position()).isEqualTo(3 + length);
                            assertThat(Arrays.copyOfRange(back.array(), 3, 3 + length))
                                    .as("read %d+%d at step %d", offset, length, i)
                                    .isEqualTo(Arrays.copyOfRange(model, offset, offset + length));
                        }
                    }
                }
                byte[] all = new byte[SIZE];
                inner.memory.read(0, ByteBuffer.wrap(all));
                assertThat(all).isEqualTo(model);
                assertThat(disk.readModifyWrites()).isPositive();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void anUnalignedWriteReadsOnlyItsPartialSectorsAndWritesOnce() throws IOException {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        disk.write(100, ByteBuffer.allocate(10_000), false); // sectors 0..19, partial head and tail
        assertThat(inner.calls).containsExactly("read 0+512", "read 9728+512", "write 0+10240");
        inner.calls.clear();
        disk.write(600, ByteBuffer.allocate(10), false); // inside sector 1: one read
        assertThat(inner.calls).containsExactly("read 512+512", "write 512+512");
        inner.calls.clear();
        disk.write(1024, ByteBuffer.allocate(4096), true); // aligned: straight through
        assertThat(inner.calls).containsExactly("write 1024+4096");
        assertThat(disk.readModifyWrites()).isEqualTo(2);
    }

    @Test
    void discardKeepsToWholeSectorsInside() throws IOException {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        disk.discard(100, 2000);
        disk.discard(10, 20); // no whole sector inside: nothing to do
        assertThat(inner.calls).containsExactly("discard 512+1536");
        assertThatThrownBy(() -> disk.discard(SIZE - 10, 20)).isInstanceOf(OutOfRangeException.class);
        assertThatThrownBy(() -> disk.write(SIZE - 1, ByteBuffer.allocate(2), false))
                .isInstanceOf(OutOfRangeException.class);
    }

    @Test
    void allocationIsClippedToTheAskedBytes() throws IOException {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        disk.write(8192, ByteBuffer.wrap(new byte[] {1}), false);
        assertThat(disk.allocation(8000, 5000)).containsExactly(
                Extent.hole(8000, 192), Extent.data(8192, 4096), Extent.hole(12288, 712));
    }

    /**
     * Two unaligned writes to different bytes of one sector: the second waits for the first's
     * read-modify-write to finish, so neither loses the other's bytes. The first is held inside
     * its read until the second is seen waiting for the sector, the interleaving that loses an
     * update without the lock.
     */
    @Test
    void overlappingReadModifyWritesDoNotLoseUpdates() throws Exception {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        CountDownLatch gate = new CountDownLatch(1);
        inner.holdNextRead = gate;
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> write(disk, 10, fill(20, 0x11)), THREADS);
        inner.heldOne.await();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> write(disk, 300, fill(20, 0x22)), THREADS);
        disk.locks().awaitQueued(1);
        assertThat(second).isNotDone();
        gate.countDown();
        first.join();
        second.join();
        byte[] sector = new byte[512];
        inner.memory.read(0, ByteBuffer.wrap(sector));
        byte[] expected = new byte[512];
        Arrays.fill(expected, 10, 30, (byte) 0x11);
        Arrays.fill(expected, 300, 320, (byte) 0x22);
        assertThat(sector).isEqualTo(expected);
        assertThat(disk.locks().contended()).isEqualTo(1);
    }

    /** A whole-sector write waits for a read-modify-write of its sector, then lands after it. */
    @Test
    void aWholeSectorWriteWaitsForAReadModifyWriteOfItsSector() throws Exception {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        CountDownLatch gate = new CountDownLatch(1);
        inner.holdNextRead = gate;
        CompletableFuture<Void> rmw = CompletableFuture.runAsync(() -> write(disk, 1000, fill(100, 0x33)), THREADS);
        inner.heldOne.await();
        CompletableFuture<Void> whole = CompletableFuture.runAsync(() -> write(disk, 512, fill(1024, 0x44)), THREADS);
        disk.locks().awaitQueued(1);
        gate.countDown();
        rmw.join();
        whole.join();
        byte[] back = new byte[1024];
        inner.memory.read(512, ByteBuffer.wrap(back));
        byte[] expected = new byte[1024];
        Arrays.fill(expected, (byte) 0x44);
        assertThat(back).isEqualTo(expected);
    }

    /** Whole-sector writes do not wait for each other, even when they overlap. */
    @Test
    void wholeSectorWritesRunInParallel() throws Exception {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        CountDownLatch gate = new CountDownLatch(1);
        inner.holdNextWrite = gate;
        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> write(disk, 0, fill(4096, 0x55)), THREADS);
        inner.heldOne.await();
        write(disk, 2048, fill(4096, 0x66)); // returns while the first is still held
        gate.countDown();
        held.join();
        assertThat(disk.locks().contended()).isZero();
    }

    /** Many threads, each owning every eighth byte of the same sectors: no byte is lost. */
    @Test
    void concurrentByteInterleavedWritersKeepEveryByte() throws Exception {
        SectorOnlyDevice inner = new SectorOnlyDevice();
        ReadModifyWriteDevice disk = new ReadModifyWriteDevice(inner);
        int threads = 8;
        int span = 2048;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int owner = t;
            all.add(CompletableFuture.runAsync(() -> {
                for (int b = owner; b < span; b += threads) {
                    write(disk, b, new byte[] {(byte) (owner + 1)});
                }
            }, pool));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        pool.shutdown();
        byte[] back = new byte[span];
        inner.memory.read(0, ByteBuffer.wrap(back));
        for (int b = 0; b < span; b++) {
            assertThat(back[b]).as("byte %d", b).isEqualTo((byte) (b % threads + 1));
        }
    }

    private static byte[] fill(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static void write(BlockDevice disk, long offset, byte[] data) {
        try {
            disk.write(offset, ByteBuffer.wrap(data), false);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
