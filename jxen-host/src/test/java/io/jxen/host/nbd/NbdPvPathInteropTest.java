package io.jxen.host.nbd;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.host.PvDisk;
import io.jxen.host.config.GuestConfig;
import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.jxen.host.nbd.ExternalCommand.ok;
import static io.jxen.host.nbd.NbdInteropTest.random;
import static io.jxen.host.nbd.NbdInteropTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * NBD through the whole PV path: Debian's real clients (libnbd-bin, qemu-utils) talk to the
 * NBD server, whose device is a guest's disk ({@link PvDisk}: blkfront in a booted guest, the
 * ring, dom0's blkback, the image file). One host and guest serve every test, in order; each
 * test knows what the image must hold and checks the image file itself after flushing
 * through blkif, by checksum or byte for byte. Unaligned qemu-io patterns exercise the
 * read-modify-write layer under blkfront's whole sectors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NbdPvPathInteropTest {

    private static final int MIB = 1 << 20;
    private static final long SIZE = 32L * MIB;

    private Path dir;

    private Path image;
    private PvDisk pv;
    private NbdServer server;
    /** What the image must hold after the tests so far. */
    private byte[] model;

    @BeforeAll
    void bootAGuestAndServeItsDisk(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        image = dir.resolve("guest.img");
        model = new byte[(int) SIZE];
        // The image starts with 1 MiB of data at 0 and 2 MiB at 16 MiB, written before boot.
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(SIZE);
            put(file, 0, random(MIB, 1));
            put(file, 16L * MIB, random(2 * MIB, 2));
        }
        Path cfg = dir.resolve("guest.cfg");
        Files.writeString(cfg, """
                name = "nbd-guest"
                type = "pv"
                memory = 16
                vcpus = 2
                disk = [ 'format=raw, vdev=xvda, access=rw, target=guest.img' ]
                """);
        pv = PvDisk.boot(GuestConfig.load(cfg), PvDisk.Options.defaults().withQueues(2), PvDisk.Narrator.SILENT);
        server = NbdServer.start(pv.disk(), UnixDomainSocketAddress.of(dir.resolve("nbd.sock")), "xvda",
                NbdServer.Options.defaults().withDescription("guest xvda through blkfront"), pv.payloadBuffers());
    }

    private void put(RandomAccessFile file, long offset, byte[] data) throws IOException {
        file.seek(offset);
        file.write(data);
        System.arraycopy(data, 0, model, (int) offset, data.length);
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (pv != null) {
            pv.close();
        }
    }

    @BeforeEach
    void needsTheClients() {
        ExternalPeers.requireExecutable("nbdinfo", "apt-get install libnbd-bin");
        ExternalPeers.requireExecutable("nbdcopy", "apt-get install libnbd-bin");
        ExternalPeers.requireExecutable("qemu-img", "apt-get install qemu-utils");
        ExternalPeers.requireExecutable("qemu-io", "apt-get install qemu-utils");
    }

    /** Flushes through blkif (FLUSH_DISKCACHE: blkback fsyncs) and checks the image file byte for byte. */
    private void imageHoldsTheModel() throws IOException {
        pv.disk().flush();
        byte[] onDisk = Files.readAllBytes(image);
        if (!Arrays.equals(onDisk, model)) {
            int at = Arrays.mismatch(onDisk, model);
            throw new AssertionError("image differs from the model first at byte " + at + " (image "
                    + onDisk[at] + ", model " + model[at] + ")");
        }
    }

    @Test
    @Order(1)
    void nbdinfoSeesTheGuestDiskAndItsFlags() throws Exception {
        String before = sha256(image);
        String out = ok(dir, "nbdinfo", server.uri()).stdout();
        assertThat(out).contains("export-size: " + SIZE)
                .contains("description: guest xvda through blkfront")
                .containsPattern("is_read_only: false")
                .containsPattern("can_flush: true")
                .containsPattern("can_fua: true")
                .containsPattern("can_multi_conn: true")
                .containsPattern("can_trim: true")
                .containsPattern("can_zero: true")
                .contains("base:allocation");
        // blkif cannot tell holes: the map is one data extent (see PvDisk).
        String map = ok(dir, "nbdinfo", "--map", server.uri()).stdout();
        assertThat(map.strip().replaceAll("\\s+", " ")).isEqualTo("0 " + SIZE + " 0 data");
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    @Order(2)
    void nbdcopyOutReadsTheImageThroughBlkfront() throws Exception {
        String before = sha256(image);
        Path copy = dir.resolve("copy.img");
        ok(dir, "nbdcopy", server.uri(), copy.toString());
        assertThat(sha256(copy)).isEqualTo(before);
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    @Order(3)
    void nbdcopyInWritesOverSeveralConnectionsAndFlushes() throws Exception {
        Path source = dir.resolve("source.img");
        try (FileEngine src = FileEngine.create(source, SIZE, FileEngine.Options.sync())) {
            src.write(3L * MIB, ByteBuffer.wrap(random(5 * MIB, 3)), false);
            src.write(30L * MIB, ByteBuffer.wrap(random(MIB, 4)), false);
        }
        long served = server.connectionsServed();
        ok(dir, "nbdcopy", "--flush", "--connections=4", source.toString(), server.uri());
        assertThat(server.connectionsServed() - served).isGreaterThanOrEqualTo(2);
        model = Files.readAllBytes(source);
        assertThat(sha256(image)).as("durable after nbdcopy --flush, before any flush of ours")
                .isEqualTo(sha256(source));
        imageHoldsTheModel();
    }

    @Test
    @Order(4)
    void qemuImgConvertBothWaysAndCompare() throws Exception {
        String before = sha256(image);
        Path out = dir.resolve("out.raw");
        ok(dir, "qemu-img", "convert", "-f", "raw", "-O", "raw", server.uri(), out.toString());
        assertThat(sha256(out)).isEqualTo(before);
        ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", out.toString(), server.uri());

        Path source = dir.resolve("source2.raw");
        try (FileEngine src = FileEngine.create(source, SIZE, FileEngine.Options.sync())) {
            src.write(7L * MIB, ByteBuffer.wrap(random(3 * MIB, 5)), false);
        }
        ok(dir, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), server.uri());
        ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), server.uri());
        model = Files.readAllBytes(source);
        assertThat(sha256(image)).as("qemu-img convert ends with FLUSH").isEqualTo(sha256(source));
        imageHoldsTheModel();
        long registered = pv.blkfront().queues().stream()
                .mapToLong(io.jxen.drivers.block.front.Blkfront::registeredTransfers).sum();
        assertThat(registered).as("requests whose data lay in the disk's registered buffers (no copy)").isPositive();
    }

    /**
     * qemu-io verification patterns, many of them not sector-aligned (blkfront refuses those:
     * the read-modify-write layer turns them into whole sectors), with FUA writes, write
     * zeroes, discard and flush.
     */
    @Test
    @Order(5)
    void qemuIoPatternsAlignedAndUnaligned() throws Exception {
        long rmwBefore = pv.disk().readModifyWrites();
        String out = ok(dir, "qemu-io", "-f", "raw",
                "-c", "write -P 0xab 0 64k",
                "-c", "read -P 0xab 0 64k",
                "-c", "write -P 0x11 100 1000",
                "-c", "write -P 0x22 1100 3",
                "-c", "read -P 0x11 100 1000",
                "-c", "read -P 0x22 1100 3",
                "-c", "read -P 0xab 1103 1",
                "-c", "write -P 0xcd 20971519 4099",
                "-c", "read -P 0xcd 20971519 4099",
                "-c", "write -z 70000 5000",
                "-c", "read -P 0 70000 5000",
                "-c", "write -P 0xef 1M 1M",
                "-c", "discard 1M 1M",
                "-c", "write -P 0x5a 4M 7",
                "-c", "read -P 0x5a 4M 7",
                "-c", "flush",
                server.uri()).stdout();
        assertThat(out).doesNotContain("Pattern verification failed").doesNotContain("error");
        Arrays.fill(model, 0, 64 * 1024, (byte) 0xab);
        Arrays.fill(model, 100, 1100, (byte) 0x11);
        Arrays.fill(model, 1100, 1103, (byte) 0x22);
        Arrays.fill(model, 20971519, 20971519 + 4099, (byte) 0xcd);
        Arrays.fill(model, 70000, 75000, (byte) 0);
        // The discarded MiB reads as zeroes (blkback punched a hole in the image).
        Arrays.fill(model, MIB, 2 * MIB, (byte) 0);
        Arrays.fill(model, 4 * MIB, 4 * MIB + 7, (byte) 0x5a);
        imageHoldsTheModel();
        assertThat(pv.disk().readModifyWrites() - rmwBefore).isGreaterThanOrEqualTo(6);
    }

    /** Unaligned writes racing on shared sectors over several connections lose no byte. */
    @Test
    @Order(6)
    void concurrentUnalignedWritersOnSharedSectorsOverFourConnections() throws Exception {
        List<Process> writers = new java.util.ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<String> command = new java.util.ArrayList<>(List.of("qemu-io", "-f", "raw"));
            // Writer w owns bytes [k*8+2w, k*8+2w+2) of the first 8 KiB: every sector is shared by all four.
            for (int k = 0; k < 1024; k += 8) {
                command.add("-c");
                command.add("write -P 0x" + Integer.toHexString(0x70 + w) + " " + (k * 8 + 2 * w) + " 2");
            }
            command.add(server.uri());
            writers.add(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("writer" + w + ".log").toFile()).start());
        }
        for (Process p : writers) {
            assertThat(p.waitFor()).isZero();
        }
        for (int w = 0; w < 4; w++) {
            for (int k = 0; k < 1024; k += 8) {
                Arrays.fill(model, k * 8 + 2 * w, k * 8 + 2 * w + 2, (byte) (0x70 + w));
            }
        }
        imageHoldsTheModel();
    }
}
