package io.jxen.drivers.block.back;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.guest.GuestKernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * blkback over the real engines, each way of running: the synchronous engine on the blocking
 * path, and the asynchronous engine (worker threads) pipelined; over a sparse image, over a
 * regular file without sparse assumptions, and over a real block device (a loop device over a
 * temp image; skipped where none can be attached). Verified I/O with many requests in flight,
 * flushes and discards; what runs when is up to the engine's threads here, so only the
 * outcome is checked (the ordering rules are checked deterministically in
 * {@link BlkbackPipelineTest}).
 */
class BlkbackEnginesTest {

    private static final int DISK = 8 << 20;

    @ParameterizedTest(name = "{0} engine, {1}, pipelined {2}, persistent grants {3}")
    @CsvSource({"sync,sparse,false,false", "async,sparse,true,false", "async,dense,true,false", "sync,dense,false,false",
        "async,device,true,false", "sync,device,false,false",
        // persistent grants: the batched path (IoBatch: io_uring where the kernel has it, else preadv/pwritev)
        "sync,sparse,false,true", "sync,dense,false,true", "sync,device,false,true"})
    void verifiedIoThroughEachEngine(String mode, String backing, boolean pipelined, boolean persistent)
            throws Exception {
        try (BlkifTestHost host = new BlkifTestHost()) {
            Path image = host.dir.resolve("backing-" + mode + ".img");
            FileEngine.Options options = mode.equals("sync") ? FileEngine.Options.sync() : FileEngine.Options.async();
            String loop = null;
            FileEngine engine;
            switch (backing) {
                case "sparse" -> engine = FileEngine.create(image, DISK, options);
                case "dense" -> engine = FileEngine.create(image, DISK, options.asDense());
                default -> {
                    FileEngine.create(image, DISK, FileEngine.Options.sync()).close();
                    loop = run("losetup", "-f", "--show", image.toString());
                    Assumptions.assumeTrue(loop != null && loop.startsWith("/dev/loop"), "no loop device here");
                    engine = FileEngine.open(Path.of(loop), options);
                    assertThat(engine.isBlockDevice()).isTrue();
                }
            }
            try (FileEngine disk = engine) {
                assertThat(disk.sparse()).isEqualTo(backing.equals("sparse"));
                GuestKernel guest = host.boot(2048);
                Blkback back = host.backend(disk, BlkifDeviceProfile.of(disk, 32), "blkback.1.51712",
                        persistent ? 64 : 0); // fewer than the frontend keeps: evictions between batches
                if (pipelined) {
                    back.withPipelining(16);
                }
                CompletionWaiter spin = future -> {
                    for (long turns = 0; !future.isDone(); turns++) {
                        if (host.step() == 0) {
                            Thread.onSpinWait(); // the engine's workers complete on their own threads
                        }
                        if (turns > 200_000_000L) {
                            throw new AssertionError("stuck: " + back.metrics());
                        }
                    }
                };
                Blkfront front = new Blkfront(guest, guest.grantTable(), 0, 0, 32, persistent, spin);
                BlkifTestHost.connect(guest, front, back, persistent, persistent);
                assertThat(back.persistentGrants()).isEqualTo(persistent);
                Random random = new Random(17);
                byte[] model = new byte[DISK];
                List<CompletableFuture<Void>> all = new ArrayList<>();
                // DISK / (16 pages) = 128 distinct 64 KiB slots: 120 writes never overlap one another in
                // flight (blkif gives overlapping in-flight requests no order, so a pipelined engine may
                // finish them either way round).
                for (int i = 0; i < 120; i++) {
                    byte[] data = new byte[4096 * (1 + random.nextInt(16))];
                    random.nextBytes(data);
                    int offset = i * 16 * 4096;
                    System.arraycopy(data, 0, model, offset, data.length);
                    all.add(front.submitWrite(offset, ByteBuffer.wrap(data), i % 50 == 49));
                }
                spin.await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
                all.forEach(CompletableFuture::join);
                front.discard(0, 64 * 1024);
                Arrays.fill(model, 0, 64 * 1024, (byte) 0);
                front.flush();
                ByteBuffer back2 = ByteBuffer.allocate(DISK);
                for (int at = 0; at < DISK; at += 128 * 1024) {
                    front.read(at, back2.slice(at, 128 * 1024));
                }
                assertThat(back2.array()).isEqualTo(model);
                assertThat(back.metrics().errors()).isZero();
                if (pipelined && mode.equals("async")) {
                    assertThat(back.metrics().inFlightMax()).isGreaterThanOrEqualTo(1);
                }
            } finally {
                if (loop != null) {
                    run("losetup", "-d", loop);
                }
            }
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return null;
        }
        return process.exitValue() == 0 ? out : null;
    }
}
