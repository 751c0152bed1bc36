package io.jxen.host.backend;

import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.host.PvDisk;
import io.jxen.host.config.GuestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest's blocking block I/O served on its own threads ({@link LentTurns}): a booted host and
 * guest ({@link PvDisk}: blkfront on two queues, dom0's blkback, an image file), several guest
 * threads writing (some FUA, whose flush a completion handler submits), reading and flushing
 * disjoint blocks, while another thread submits asynchronous writes that lend nothing. Every
 * read sees what its thread wrote last, and the image holds every write after the final flush.
 */
class LentTurnsEndToEndTest {

    private static final int BLOCK = 64 * 1024;
    private static final int THREADS = 4;
    private static final int BLOCKS_PER_THREAD = 8;
    private static final int ROUNDS = 150;

    @Test
    @Timeout(120)
    void guestThreadsServeTheirOwnRequestsAndNothingIsLost(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("guest.img");
        int blocks = THREADS * BLOCKS_PER_THREAD + BLOCKS_PER_THREAD; // the last group: the async writer's
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength((long) blocks * BLOCK);
        }
        Path cfg = dir.resolve("guest.cfg");
        Files.writeString(cfg, """
                name = "lend-guest"
                type = "pv"
                memory = 32
                vcpus = 2
                disk = [ 'format=raw, vdev=xvda, access=rw, target=guest.img' ]
                """);
        byte[][] model = new byte[blocks][];
        try (PvDisk pv = PvDisk.boot(GuestConfig.load(cfg), PvDisk.Options.defaults().withQueues(2),
                PvDisk.Narrator.SILENT)) {
            MultiQueueBlkfront disk = pv.blkfront();
            long lentBefore = pv.host().blockBackends().lentRequests();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * BLOCKS_PER_THREAD;
                long seed = 20261122L + t;
                threads.add(Thread.ofPlatform().name("guest-io-" + t).start(() -> {
                    try {
                        lenderWorkload(disk, first, seed, model);
                    } catch (Throwable e) {
                        failures.add(new AssertionError("seed " + seed + ": " + e, e));
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("guest-async").start(() -> {
                try {
                    asyncWorkload(disk, THREADS * BLOCKS_PER_THREAD, model);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failures).isEmpty();
            disk.flush();
            assertThat(pv.host().blockBackends().lentRequests() - lentBefore)
                    .as("requests served on the guest's own threads").isPositive();
        }
        byte[] onDisk = Files.readAllBytes(image);
        for (int b = 0; b < blocks; b++) {
            byte[] expected = model[b] == null ? new byte[BLOCK] : model[b];
            assertThat(Arrays.copyOfRange(onDisk, b * BLOCK, (b + 1) * BLOCK)).as("block " + b).isEqualTo(expected);
        }
    }

    /** Writes (a third with FUA), reads back and now and then flushes its own blocks. */
    private static void lenderWorkload(MultiQueueBlkfront disk, int first, long seed, byte[][] model)
            throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < ROUNDS; round++) {
            int b = first + random.nextInt(BLOCKS_PER_THREAD);
            int op = random.nextInt(10);
            if (op < 5) {
                byte[] data = new byte[BLOCK];
                random.nextBytes(data);
                disk.write((long) b * BLOCK, ByteBuffer.wrap(data), op == 0 || op == 1);
                model[b] = data;
            } else if (op < 9) {
                ByteBuffer got = ByteBuffer.allocate(BLOCK);
                disk.read((long) b * BLOCK, got);
                byte[] expected = model[b] == null ? new byte[BLOCK] : model[b];
                assertThat(got.array()).as("block " + b + " round " + round).isEqualTo(expected);
            } else {
                disk.flush();
            }
        }
    }

    /** Asynchronous writes, each waited for by its future alone: this thread lends nothing. */
    private static void asyncWorkload(MultiQueueBlkfront disk, int first, byte[][] model) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < ROUNDS; round++) {
            int b = first + random.nextInt(BLOCKS_PER_THREAD);
            byte[] data = new byte[BLOCK];
            random.nextBytes(data);
            CompletableFuture<Void> written = disk.submitWrite((long) b * BLOCK, ByteBuffer.wrap(data), false);
            written.get(60, TimeUnit.SECONDS);
            model[b] = data;
        }
    }
}
