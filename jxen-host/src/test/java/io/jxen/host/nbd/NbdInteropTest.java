package io.jxen.host.nbd;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import static io.jxen.host.nbd.ExternalCommand.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NBD server against Debian's real clients (libnbd-bin, qemu-utils) on loopback, over a
 * sparse image served by the file engine. Every test checks the image itself afterwards: by
 * checksum when the client only read, byte for byte against the source when it wrote.
 */
class NbdInteropTest {

    private static final int MIB = 1 << 20;
    private static final long SIZE = 64L * MIB;

    @TempDir
    Path dir;

    private Path image;
    private FileEngine engine;
    private NbdServer server;

    @BeforeEach
    void serveAnImage() throws IOException {
        image = dir.resolve("disk.img");
        engine = FileEngine.create(image, SIZE, FileEngine.Options.async());
        // Layout: 1 MiB of data, a hole to 32 MiB, 2 MiB of data, a hole to the end.
        engine.write(0, ByteBuffer.wrap(random(MIB, 1)), false);
        engine.write(32L * MIB, ByteBuffer.wrap(random(2 * MIB, 2)), false);
        engine.flush();
        server = NbdServer.start(engine, 0, "disk", NbdServer.Options.defaults().withDescription("jxen test disk"));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        engine.close();
    }

    static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void requireLibnbd() {
        ExternalPeers.requireExecutable("nbdinfo", "apt-get install libnbd-bin");
        ExternalPeers.requireExecutable("nbdcopy", "apt-get install libnbd-bin");
    }

    private static void requireQemu() {
        ExternalPeers.requireExecutable("qemu-img", "apt-get install qemu-utils");
        ExternalPeers.requireExecutable("qemu-io", "apt-get install qemu-utils");
    }

    @Test
    void nbdinfoShowsTheExportAndItsFlags() throws Exception {
        requireLibnbd();
        String before = sha256(image);
        String out = ok(dir, "nbdinfo", server.uri()).stdout();
        assertThat(out).contains("export-size: " + SIZE)
                .contains("description: jxen test disk")
                .containsPattern("is_read_only: false")
                .containsPattern("can_flush: true")
                .containsPattern("can_fua: true")
                .containsPattern("can_multi_conn: true")
                .containsPattern("can_trim: true")
                .containsPattern("can_zero: true")
                .containsPattern("can_df: true")
                .contains("base:allocation");
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    void nbdinfoMapReportsDataAndHoles() throws Exception {
        requireLibnbd();
        String out = ok(dir, "nbdinfo", "--map", server.uri()).stdout();
        assertThat(out.strip().lines().map(String::strip).map(l -> l.replaceAll("\\s+", " ")).toList()).containsExactly(
                "0 1048576 0 data",
                "1048576 32505856 3 hole,zero",
                "33554432 2097152 0 data",
                "35651584 31457280 3 hole,zero");
    }

    @Test
    void nbdinfoListNamesTheExport() throws Exception {
        requireLibnbd();
        String out = ok(dir, "nbdinfo", "--list", server.uri()).stdout();
        assertThat(out).contains("export=").contains("disk").contains("export-size: " + SIZE);
    }

    @Test
    void nbdcopyOutCopiesTheImageExactly() throws Exception {
        requireLibnbd();
        String before = sha256(image);
        Path copy = dir.resolve("copy.img");
        ok(dir, "nbdcopy", server.uri(), copy.toString());
        assertThat(sha256(copy)).isEqualTo(before);
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    void nbdcopyInWritesTheSourceOverSeveralConnections() throws Exception {
        requireLibnbd();
        Path source = dir.resolve("source.img");
        try (FileEngine src = FileEngine.create(source, SIZE, FileEngine.Options.sync())) {
            src.write(3L * MIB, ByteBuffer.wrap(random(5 * MIB, 3)), false);
            src.write(60L * MIB, ByteBuffer.wrap(random(MIB, 4)), false);
        }
        ok(dir, "nbdcopy", "--flush", "--connections=4", source.toString(), server.uri());
        assertThat(server.connectionsServed()).isGreaterThanOrEqualTo(2);
        assertThat(sha256(image)).isEqualTo(sha256(source));
    }

    @Test
    void qemuImgConvertBothWaysAndCompare() throws Exception {
        requireQemu();
        String before = sha256(image);
        Path out = dir.resolve("out.raw");
        ok(dir, "qemu-img", "convert", "-f", "raw", "-O", "raw", server.uri(), out.toString());
        assertThat(sha256(out)).isEqualTo(before);
        assertThat(sha256(image)).isEqualTo(before);
        ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", out.toString(), server.uri());

        Path source = dir.resolve("source.raw");
        try (FileEngine src = FileEngine.create(source, SIZE, FileEngine.Options.sync())) {
            src.write(7L * MIB, ByteBuffer.wrap(random(3 * MIB, 5)), false);
        }
        ok(dir, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), server.uri());
        ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), server.uri());
        assertThat(sha256(image)).isEqualTo(sha256(source));
    }

    @Test
    void qemuImgMapSeesTheHoles() throws Exception {
        requireQemu();
        String out = ok(dir, "qemu-img", "map", "--output=json", "-f", "raw", server.uri()).stdout();
        assertThat(out.replaceAll("\\s", ""))
                .contains("\"start\":0,\"length\":1048576,\"depth\":0,\"present\":true,\"zero\":false,\"data\":true")
                .contains("\"start\":1048576,\"length\":32505856,\"depth\":0,\"present\":true,\"zero\":true,\"data\":false");
    }

    @Test
    void qemuIoPatternsWriteZeroesDiscardAndFlush() throws Exception {
        requireQemu();
        String out = ok(dir, "qemu-io", "-f", "raw",
                "-c", "write -P 0xab 0 64k",
                "-c", "read -P 0xab 0 64k",
                "-c", "write -P 0xcd 40M 1M",
                "-c", "read -P 0xcd 40M 1M",
                "-c", "write -z 64k 64k",
                "-c", "read -P 0 64k 64k",
                "-c", "discard 32M 1M",
                "-c", "read -P 0 32M 1M",
                "-c", "flush",
                server.uri()).stdout();
        assertThat(out).doesNotContain("Pattern verification failed").doesNotContain("error");
        byte[] disk = Files.readAllBytes(image);
        byte[] expected = new byte[(int) SIZE];
        System.arraycopy(random(MIB, 1), 0, expected, 0, MIB);
        System.arraycopy(random(2 * MIB, 2), 0, expected, 32 * MIB, 2 * MIB);
        java.util.Arrays.fill(expected, 0, 64 * 1024, (byte) 0xab);
        java.util.Arrays.fill(expected, 40 * MIB, 41 * MIB, (byte) 0xcd);
        java.util.Arrays.fill(expected, 64 * 1024, 128 * 1024, (byte) 0);
        java.util.Arrays.fill(expected, 32 * MIB, 33 * MIB, (byte) 0);
        assertThat(java.util.Arrays.equals(disk, expected)).as("image contents").isTrue();
        assertThat(engine.allocation(32L * MIB, MIB)).allMatch(e -> e.hole());
    }

    @Test
    void readOnlyExportRefusesWritesAndKeepsTheImage() throws Exception {
        requireLibnbd();
        requireQemu();
        String before = sha256(image);
        try (NbdServer readOnly = NbdServer.start(engine, 0, "ro", NbdServer.Options.defaults().asReadOnly())) {
            assertThat(ok(dir, "nbdinfo", readOnly.uri()).stdout()).containsPattern("is_read_only: true");
            ExternalCommand.Result write = ExternalCommand.run(dir, java.util.List.of("qemu-io", "-f", "raw",
                    "-c", "write -P 0x11 0 4k", readOnly.uri()));
            assertThat(write.all()).containsIgnoringCase("permi");
            Path copy = dir.resolve("ro-copy.img");
            ok(dir, "nbdcopy", readOnly.uri(), copy.toString());
            assertThat(sha256(copy)).isEqualTo(before);
        }
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    void readOnlyEngineIsExportedReadOnlyWithItsMap() throws Exception {
        requireLibnbd();
        String before = sha256(image);
        try (FileEngine readOnlyEngine = FileEngine.open(image, FileEngine.Options.sync().asReadOnly());
             NbdServer readOnly = NbdServer.start(readOnlyEngine, 0, "ro", NbdServer.Options.defaults())) {
            assertThat(ok(dir, "nbdinfo", readOnly.uri()).stdout()).containsPattern("is_read_only: true")
                    .containsPattern("can_trim: false").containsPattern("can_zero: false");
            assertThat(ok(dir, "nbdinfo", "--map", readOnly.uri()).stdout()).contains("hole,zero");
            Path source = dir.resolve("source.img");
            Files.write(source, random((int) SIZE, 9));
            ExternalCommand.Result write = ExternalCommand.run(dir, java.util.List.of("nbdcopy",
                    source.toString(), readOnly.uri()));
            assertThat(write.exitCode()).isNotZero();
            assertThat(write.all()).containsIgnoringCase("read");
        }
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    void unixSocketServesTheSameExport() throws Exception {
        requireLibnbd();
        Path socket = dir.resolve("nbd.sock");
        try (NbdServer unix = NbdServer.start(engine, UnixDomainSocketAddress.of(socket), "disk",
                NbdServer.Options.defaults())) {
            assertThat(unix.port()).isEqualTo(-1);
            assertThat(ok(dir, "nbdinfo", unix.uri()).stdout()).contains("export-size: " + SIZE);
            Path copy = dir.resolve("unix-copy.img");
            ok(dir, "nbdcopy", unix.uri(), copy.toString());
            assertThat(sha256(copy)).isEqualTo(sha256(image));
            if (ExternalPeers.findExecutable("qemu-nbd") != null || ExternalPeers.underCi()) {
                ExternalPeers.requireExecutable("qemu-nbd", "apt-get install qemu-utils");
                String list = ok(dir, "qemu-nbd", "--list", "-k", socket.toString()).stdout();
                assertThat(list).contains("export: 'disk'").contains("size:  " + SIZE).contains("base:allocation");
            }
        }
        assertThat(socket).doesNotExist();
    }
}
